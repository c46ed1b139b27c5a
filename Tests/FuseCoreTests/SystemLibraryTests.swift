import CBLAS
import CJPEG
import CKissFFT
import CPNG
import CSndFile
import Foundation
import Testing

/// Each system library Fuse links is called for real: a tiny job with a known answer, so a missing or broken
/// library fails here rather than deep inside a model.
@Suite struct SystemLibraryTests {
    @Test func openBLASMultipliesMatrices() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        #expect(c == [19, 22, 43, 50])
        #expect(String(cString: openblas_get_config()).contains("OpenBLAS"))
    }

    @Test func libpngEncodesAndDecodesInMemory() throws {
        #expect(png_access_version_number() >= 10600)
        let width = 5, height = 3
        let pixels: [UInt8] = (0..<(width * height * 3)).map { UInt8(($0 * 37) % 256) }

        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = png_uint_32(PNG_FORMAT_RGB)
        var size: png_alloc_size_t = 0
        // First call with no buffer asks for the encoded size.
        #expect(png_image_write_to_memory(&image, nil, &size, 0, pixels, 0, nil) != 0)
        var encoded = [UInt8](repeating: 0, count: Int(size))
        #expect(png_image_write_to_memory(&image, &encoded, &size, 0, pixels, 0, nil) != 0)
        #expect(encoded.prefix(4) == [0x89, 0x50, 0x4E, 0x47])

        var decoder = png_image()
        decoder.version = png_uint_32(PNG_IMAGE_VERSION)
        #expect(png_image_begin_read_from_memory(&decoder, encoded, Int(size)) != 0)
        #expect(decoder.width == png_uint_32(width) && decoder.height == png_uint_32(height))
        decoder.format = png_uint_32(PNG_FORMAT_RGB)
        var decoded = [UInt8](repeating: 0, count: width * height * 3)
        #expect(png_image_finish_read(&decoder, nil, &decoded, 0, nil) != 0)
        #expect(decoded == pixels)
    }

    @Test func turboJPEGCompressesAndDecompresses() throws {
        let width = 16, height = 16
        // Smooth gradient: JPEG keeps it within a few levels.
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let offset = (y * width + x) * 3
                pixels[offset] = UInt8(x * 8)
                pixels[offset + 1] = UInt8(y * 8)
                pixels[offset + 2] = 128
            }
        }
        let compressor = try #require(tjInitCompress())
        defer { tjDestroy(compressor) }
        var jpeg: UnsafeMutablePointer<UInt8>?
        var jpegSize: UInt = 0
        let compressed = tjCompress2(
            compressor, pixels, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &jpeg, &jpegSize,
            Int32(TJSAMP_444.rawValue), 95, 0)
        #expect(compressed == 0)
        defer { tjFree(jpeg) }
        let data = try #require(jpeg)
        #expect(data[0] == 0xFF && data[1] == 0xD8)

        let decompressor = try #require(tjInitDecompress())
        defer { tjDestroy(decompressor) }
        var decodedWidth: Int32 = 0, decodedHeight: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        #expect(
            tjDecompressHeader3(decompressor, data, jpegSize, &decodedWidth, &decodedHeight, &subsampling, &colorspace)
                == 0)
        #expect(decodedWidth == Int32(width) && decodedHeight == Int32(height))
        var decoded = [UInt8](repeating: 0, count: width * height * 3)
        #expect(
            tjDecompress2(
                decompressor, data, jpegSize, &decoded, Int32(width), 0, Int32(height),
                Int32(TJPF_RGB.rawValue), 0) == 0)
        let worst = zip(decoded, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= 4)
    }

    @Test func libsndfileWritesAndReadsAWAV() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fuse-\(UUID().uuidString).wav")
        defer { try? FileManager.default.removeItem(at: url) }
        let samples: [Float] = (0..<800).map { 0.5 * sinf(2 * .pi * 440 * Float($0) / 16_000) }

        var info = SF_INFO()
        info.samplerate = 16_000
        info.channels = 1
        info.format = Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        let writer = try #require(sf_open(url.path, Int32(SFM_WRITE), &info))
        #expect(sf_writef_float(writer, samples, sf_count_t(samples.count)) == sf_count_t(samples.count))
        #expect(sf_close(writer) == 0)

        var readInfo = SF_INFO()
        let reader = try #require(sf_open(url.path, Int32(SFM_READ), &readInfo))
        defer { sf_close(reader) }
        #expect(readInfo.samplerate == 16_000 && readInfo.channels == 1 && readInfo.frames == 800)
        #expect(readInfo.format & Int32(SF_FORMAT_TYPEMASK) == Int32(SF_FORMAT_WAV))
        var read = [Float](repeating: 0, count: samples.count)
        #expect(sf_readf_float(reader, &read, sf_count_t(read.count)) == sf_count_t(read.count))
        // 16-bit PCM: within one quantisation step.
        let worst = zip(read, samples).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 1.0 / 32_768 + 1e-7)
    }

    @Test func kissFFTRealTransformMatchesTheDFT() throws {
        let n = 16
        let input: [Float] = (0..<n).map { Float($0 % 5) - 1.5 + 0.25 * Float($0) }
        let config = try #require(kiss_fftr_alloc(Int32(n), 0, nil, nil))
        defer { free(UnsafeMutableRawPointer(config)) }  // kiss_fftr_free is a macro for free()
        var output = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: n / 2 + 1)
        kiss_fftr(config, input, &output)
        // Reference: the DFT by its definition, in Double.
        for k in 0...(n / 2) {
            var real = 0.0, imaginary = 0.0
            for t in 0..<n {
                let angle = -2 * Double.pi * Double(k * t) / Double(n)
                real += Double(input[t]) * cos(angle)
                imaginary += Double(input[t]) * sin(angle)
            }
            #expect(abs(Double(output[k].r) - real) < 1e-4, "bin \(k) real")
            #expect(abs(Double(output[k].i) - imaginary) < 1e-4, "bin \(k) imaginary")
        }
    }
}
