using RedundantGateway;
using RedundantGateway.Configuration;
using RedundantGateway.Node;
using Serilog;
using Serilog.Events;

if (args.Length > 0 && args[0] == "pair")
    return await PairLauncher.RunAsync(args[1..]);
if (args.Length > 0 && args[0] is "export" or "import")
    return await NodeCommands.RunAsync(args[0], args[1..]);

var configPaths = new List<string>();
var startOver = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--config" when i + 1 < args.Length:
            configPaths.Add(args[++i]);
            break;
        case "--start-over":
            startOver = true;
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage.Text);
            return 0;
        default:
            Console.Error.WriteLine($"error: unknown argument '{args[i]}' (usage: RedundantGateway.Node [--config FILE]... [--start-over] | export | import | pair; --help)");
            return 2;
    }
}

GatewaySettings settings;
Akka.Configuration.Config config;
try
{
    config = GatewayConfig.LoadFiles(configPaths);
    settings = GatewaySettings.Create(config, configPaths.Count == 0 ? "reference.conf" : string.Join(" + ", configPaths)) with { StartOver = startOver };
}
catch (GatewayConfigException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

if (PortCheck.FindTakenPort(settings) is { } taken)
{
    Console.Error.WriteLine($"error: {taken}");
    return 2;
}

Log.Logger = NodeLogging.Create(settings);
foreach (var warning in settings.Warnings) Log.Warning("Configuration: {Warning}", warning);
try
{
    return await NodeWeb.RunAsync(settings, config);
}
catch (Exception e) when (RedundantGateway.ConfigSync.ConfigStoreDamagedException.Find(e) is { } damaged)
{
    // Not a start-up hiccup: an operator has to recover the store (docs/operations.md).
    Log.Fatal("Node {NodeName} cannot start: {Reason}", settings.NodeName, damaged.Message);
    Console.Error.WriteLine($"error: {damaged.Message}");
    return 2;
}
catch (Exception e) when (NodeWeb.IsPortInUse(e, settings) is { } takenLate)
{
    // Taken between the check above and the real bind.
    Log.Fatal("Node {NodeName} cannot start: {Reason}", settings.NodeName, takenLate);
    Console.Error.WriteLine($"error: {takenLate}");
    return 2;
}
catch (Exception e) when (NodeWeb.IsStartupProblem(e, out var reason))
{
    Log.Fatal("Node {NodeName} cannot start: {Reason}", settings.NodeName, reason);
    Console.Error.WriteLine($"error: {reason}");
    return 3;
}
finally
{
    await NodeLogging.CloseAsync();
}
