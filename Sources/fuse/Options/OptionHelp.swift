import ArgumentParser

/// A command's help for a shared option. The option group owns the flag's name, value name and default; the
/// command owns its help, because what `--quiet` silences or `--force` replaces differs from command to command
/// and `fuse X --help` should say it for X.
protocol OptionHelp {
    static var help: String { get }
}
