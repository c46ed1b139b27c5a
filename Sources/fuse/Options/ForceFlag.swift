import ArgumentParser

/// `--force`: replace an existing output instead of refusing (`ErrorAdvice` names it when a library refuses).
struct ForceFlag<Help: OptionHelp>: ParsableArguments {
    @Flag(name: .customLong("force"), help: ArgumentHelp(Help.help))
    var isSet = false
}
