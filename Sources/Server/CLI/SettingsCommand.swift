import ArgumentParser
import Foundation

/// `switchboard settings`: prints the configuration reference (`docs/configuration.md`) from
/// the settings' declarations; needs no environment.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print every setting, its default and what it accepts, as Markdown (docs/configuration.md).")

    func run() throws {
        FileHandle.standardOutput.write(Data(ConfigurationPage.markdown().utf8))
    }
}
