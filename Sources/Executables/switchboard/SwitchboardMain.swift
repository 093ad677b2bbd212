import Server

/// Entry point of the `switchboard` executable; everything else lives in the Server module
/// so tests can reach it.
@main
enum SwitchboardMain {
    static func main() async {
        await SwitchboardCommand.main()
    }
}
