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

namespace RedundantGateway.Node
{
    internal static class NodeLogging
    {
        /// <summary>
        /// Akka.Remote reports a peer that is down as errors and repeats it every retry; the redundancy events
        /// (peer-unreachable, peer-down) already say it once, so these lines are dropped.
        /// </summary>
        private static bool IsExpectedLinkNoise(LogEvent e)
        {
            var text = e.MessageTemplate.Text;
            return text.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal)
                || text.StartsWith("Association with remote system", StringComparison.Ordinal)
                || (text == "Disassociated" && e.Level >= LogEventLevel.Warning)
                || e.Exception?.GetType().Name is "EndpointDisassociatedException" or "InvalidAssociation" or "ShutDownAssociation";
        }

        /// <summary>
        /// Flushes and closes the log. A full disk makes the file sink's last flush throw: that is said in one
        /// line on stderr, and the node still exits with its own code (it once died with SIGABRT, exit 134).
        /// </summary>
        public static async Task CloseAsync()
        {
            try { await Log.CloseAndFlushAsync(); }
            catch (IOException e) { Console.Error.WriteLine($"warning: the log file could not be flushed at exit: {e.Message}"); }
        }

        /// <summary>Console and a daily file under the data dir; one line per event, the node's name on each.</summary>
        public static Serilog.ILogger Create(GatewaySettings settings)
        {
            const string template = "{Timestamp:HH:mm:ss.fff} {Level:u3} {NodeName} [{SourceContext}] {Message:lj}{NewLine}{Exception}";
            return new LoggerConfiguration()
                .MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
                // A failed start is reported once, in one line, by Program; not again with a stack trace.
                .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
                .MinimumLevel.Override("Microsoft.AspNetCore.Server.Kestrel", LogEventLevel.Fatal)
                .MinimumLevel.Override("Akka.Hosting", LogEventLevel.Warning)
                .Enrich.WithProperty("NodeName", settings.NodeName)
                .Enrich.FromLogContext()
                .Filter.ByExcluding(IsExpectedLinkNoise)
                .WriteTo.Console(outputTemplate: template)
                .WriteTo.File(Path.Combine(settings.DataDir, "logs", "node-.log"), outputTemplate: template,
                    rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
                .CreateLogger();
        }
    }
}
