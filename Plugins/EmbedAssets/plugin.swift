import Foundation
import PackagePlugin

/// Embeds web/ and docs/openapi.json into the Server target at build time (the EmbedAssets
/// tool writes `EmbeddedFiles.swift` into the plugin's work folder). The command reruns only
/// when one of those files changed; nothing generated is committed.
@main
struct EmbedAssets: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) async throws -> [Command] {
        let root = context.package.directoryURL
        let web = root.appending(path: "web")
        let openAPI = root.appending(path: "docs/openapi.json")
        var inputs = [openAPI]
        if let walker = FileManager.default.enumerator(at: web, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inputs.append(url)
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding web/ and docs/openapi.json",
                executable: try context.tool(named: "EmbedAssetsTool").url,
                arguments: [output.path, web.path, openAPI.path],
                inputFiles: inputs,
                outputFiles: [output])
        ]
    }
}
