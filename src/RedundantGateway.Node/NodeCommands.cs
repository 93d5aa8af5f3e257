using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;

namespace RedundantGateway.Node;

/// <summary>
/// <c>export</c> and <c>import</c>: a stopped node's configuration (and modules) to and from an archive in the
/// format of a full transfer, which is also that of the backup's <c>config-saved/</c> copies. One line on
/// success (stdout) or failure (stderr); exit 0, or 2 for bad arguments, an unusable archive or a damaged store.
/// </summary>
internal static class NodeCommands
{
    public static async Task<int> RunAsync(string command, string[] args)
    {
        var configPaths = new List<string>();
        string? file = null;
        var fileOption = command == "export" ? "--out" : "--in";
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length) configPaths.Add(args[++i]);
            else if (args[i] == fileOption && i + 1 < args.Length) file = args[++i];
            else return Fail($"unknown argument '{args[i]}' (usage: RedundantGateway.Node {command} --config FILE... {fileOption} ARCHIVE.zip)");
        }
        if (file is null) return Fail($"{command} needs {fileOption} ARCHIVE.zip");

        GatewaySettings settings;
        try { settings = GatewaySettings.Create(GatewayConfig.LoadFiles(configPaths), configPaths.Count == 0 ? "reference.conf" : string.Join(" + ", configPaths)); }
        catch (GatewayConfigException e) { return Fail(e.Message); }

        try
        {
            return command == "export" ? await ExportAsync(settings, file) : await ImportAsync(settings, file);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or InvalidDataException
                                       or Akka.Actor.AskTimeoutException or System.Text.Json.JsonException)
        {
            return Fail(e.Message.Split('\n')[0].Trim());
        }
    }

    private static async Task<int> ExportAsync(GatewaySettings settings, string file)
    {
        ConfigDocument document;
        await using (var store = OfflineConfigStore.Open(settings)) document = await store.ReadAsync();
        if (document.Identity is null) return Fail($"the config store of {settings.NodeName} in {settings.DataDir} holds no configuration: nothing exported");
        var target = Path.GetFullPath(file);
        var temporary = target + ".part";
        ConfigArchive.Write(temporary, document, settings.ModulesDir);
        File.Move(temporary, target, overwrite: true);
        Console.WriteLine($"exported system {document.Identity} at revision {document.Revision} ({document.Resources.Count} resources, digest {document.Digest}) and the modules of {settings.NodeName} to {target}");
        return 0;
    }

    private static async Task<int> ImportAsync(GatewaySettings settings, string file)
    {
        if (!File.Exists(file)) return Fail($"{file}: no such archive");
        // Everything is checked (the configuration's digest, each module's hash) before the store is touched.
        var staging = Path.Combine(Path.GetFullPath(settings.DataDir), "transfers", "import-" + Guid.NewGuid().ToString("N"));
        try
        {
            ConfigArchive.Unpacked unpacked;
            try { unpacked = ConfigArchive.Read(file, staging); }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException)
            {
                return Fail($"{file} is not importable: {e.Message.Split('\n')[0]}; nothing was changed");
            }
            var document = unpacked.Document;
            if (document.Identity is null) return Fail($"{file} holds no system identity: nothing was changed");
            ConfigDocument previous;
            await using (var store = OfflineConfigStore.Open(settings))
            {
                previous = await store.ReadAsync();
                await store.ReplaceAsync(document, $"imported from {Path.GetFileName(file)}");
            }
            ModuleFolder.Install(settings.ModulesDir, staging, unpacked.Modules, removeOthers: true);
            Console.WriteLine($"imported system {document.Identity} at revision {document.Revision} ({document.Resources.Count} resources, " +
                              $"{unpacked.Modules.Modules.Count} modules) into {settings.NodeName} (was {previous.Identity ?? "empty"} at revision {previous.Revision})");
            return 0;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return 2;
    }
}
