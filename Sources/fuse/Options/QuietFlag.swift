import ArgumentParser

/// `--quiet`: less on stderr (what a command silences is in its help; errors are always printed).
struct QuietFlag<Help: OptionHelp>: ParsableArguments {
    @Flag(name: .customLong("quiet"), help: ArgumentHelp(Help.help))
    var isSet = false
}
