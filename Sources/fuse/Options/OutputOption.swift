import ArgumentParser

/// `--out PATH`: where a command writes what it made (the formats it takes are in its help).
struct OutputOption<Help: OptionHelp>: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(Help.help, valueName: "PATH"))
    var out: String?
}
