import Foundation
@testable import FuseHub
import Testing

/// The environment variables and file selection rules, as `huggingface_hub`'s `constants.py` and
/// `filter_repo_objects` define them.
@Suite("Hub environment and file selection")
struct HubEnvironmentTests {
    @Test(
        "HF_ENDPOINT: default, trailing slash dropped, non-URLs refused",
        arguments: [
            ("huggingface.co", false), ("ftp://mirror.example", false), ("http://", false), ("not a url", false),
            ("https://hf-mirror.example/", true), ("http://127.0.0.1:8080", true),
        ])
    func endpoint(value: String, valid: Bool) throws {
        if valid {
            let environment = try HubEnvironment(environment: ["HF_ENDPOINT": value, "HOME": "/h"])
            #expect(!environment.endpoint.absoluteString.hasSuffix("/"))
        } else {
            #expect(throws: HubError.invalidEndpoint(value)) {
                try HubEnvironment(environment: ["HF_ENDPOINT": value, "HOME": "/h"])
            }
        }
        #expect(try HubEnvironment(environment: ["HOME": "/h"]).endpoint.absoluteString == "https://huggingface.co")
    }

    @Test("HF_TOKEN wins over the token file; the file is HF_TOKEN_PATH, else HF_HOME/token")
    func token() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-hf-home-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data("hf_from_file\n".utf8).write(to: home.appendingPathComponent("token"))
        #expect(try HubEnvironment(environment: ["HF_HOME": home.path]).token == "hf_from_file")
        #expect(try HubEnvironment(environment: ["HF_HOME": home.path, "HF_TOKEN": "hf_env"]).token == "hf_env")
        #expect(try HubEnvironment(environment: ["HF_HOME": home.path, "HF_TOKEN_PATH": "/nonexistent"]).token == nil)
        #expect(try HubEnvironment(environment: ["HF_HOME": home.path]).cache.hub.path == home.path + "/hub")
        #expect(HubEnvironment.tokenFile(environment: ["HOME": "/h"]).path == "/h/.cache/huggingface/token")
        #expect(HubEnvironment.tokenFile(environment: ["XDG_CACHE_HOME": "/x"]).path == "/x/huggingface/token")
    }

    @Test("HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE take 1, ON, YES, TRUE in any case")
    func offline() throws {
        for value in ["1", "on", "YES", "True"] {
            #expect(try HubEnvironment(environment: ["HF_HUB_OFFLINE": value, "HOME": "/h"]).offline)
        }
        for value in ["0", "false", "", "no"] {
            #expect(try !HubEnvironment(environment: ["HF_HUB_OFFLINE": value, "HOME": "/h"]).offline)
        }
        #expect(try HubEnvironment(environment: ["TRANSFORMERS_OFFLINE": "1", "HOME": "/h"]).offline)
    }

    static let repository = [
        ".gitattributes", "README.md", "config.json", "model.safetensors", "pytorch_model.bin", "tf_model.h5",
        "flax_model.msgpack", "onnx/model.onnx", "openvino/openvino_model.xml", "tokenizer.json",
        "tokenizer_config.json", "vocab.txt", "special_tokens_map.json", "modules.json", "1_Pooling/config.json",
        "2_Dense/config.json", "2_Dense/model.safetensors", "2_Dense/pytorch_model.bin", "3_Other/config.json",
        "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
        "preprocessor_config.json", "training_args.bin", "checkpoint.ckpt", "sentence_bert_config.json",
    ]

    @Test("the default selection: configs, safetensors, tokenizer, preprocessor, listed module folders; no pickles")
    func defaultSelection() {
        let selected = HubFileSelection().select(Self.repository, moduleFolders: ["1_Pooling", "2_Dense"])
        #expect(
            selected == [
                "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "config.json",
                "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors",
                "model.safetensors.index.json", "modules.json", "preprocessor_config.json", "sentence_bert_config.json",
                "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
            ])
    }

    @Test("globs: * crosses /, folder/ means its contents, exclude wins, pickles never")
    func globs() {
        let selection = HubFileSelection(include: ["*.json", "2_Dense/", "*.bin"], exclude: ["tokenizer*"])
        #expect(
            selection.select(Self.repository) == [
                "1_Pooling/config.json", "2_Dense/config.json", "2_Dense/model.safetensors", "3_Other/config.json",
                "config.json", "model.safetensors.index.json", "modules.json", "preprocessor_config.json",
                "sentence_bert_config.json", "special_tokens_map.json",
            ])
    }

    @Test("modules.json's module folders (the root module's empty path dropped)")
    func moduleFolders() {
        let json = Data(#"[{"idx":0,"path":""},{"idx":1,"path":"1_Pooling"},{"idx":2,"path":"2_Normalize"}]"#.utf8)
        #expect(HubFileSelection.moduleFolders(fromModulesJSON: json) == ["1_Pooling", "2_Normalize"])
        #expect(HubFileSelection.moduleFolders(fromModulesJSON: Data("[[[".utf8)).isEmpty)
    }

    @Test("ETag normalisation and safe repository paths")
    func etagsAndPaths() {
        #expect(HubURLs.normalizeETag(#"W/"abc""#) == "abc")
        #expect(HubURLs.normalizeETag(#""abc""#) == "abc")
        #expect(HubURLs.normalizeETag(#""../x""#) == nil)
        #expect(HubURLs.normalizeETag(nil) == nil)
        #expect(HubURLs.isSafeRelativePath("a/b.json"))
        for bad in ["", "/etc/passwd", "a/../b", "./a", "a//b"] { #expect(!HubURLs.isSafeRelativePath(bad)) }
        #expect(
            HubURLs.resolve(
                endpoint: URL(string: "https://h.co")!, repository: "o/n", revision: "refs/pr/1",
                file: "a b/c.json"
            ).absoluteString == "https://h.co/o/n/resolve/refs%2Fpr%2F1/a%20b/c.json")
    }
}
