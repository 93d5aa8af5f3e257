using System.Text.RegularExpressions;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace RedundantGateway.Node;

/// <summary>
/// The node's Serilog pipeline: one line per event, the node's name on each, Akka's routine chatter dropped and
/// its string log sources named, and a peer address that is not a node reported once a minute instead of as an
/// error every retry.
/// </summary>
internal static class NodeLogging
{
    private const string Template = "{Timestamp:HH:mm:ss.fff} {Level:u3} {NodeName} [{SourceContext}] {Message:lj}{NewLine}{Exception}";

    /// <summary>Console and a daily file under the data dir.</summary>
    public static Serilog.ILogger Create(GatewaySettings settings)
    {
        var output = new LoggerConfiguration()
            .MinimumLevel.Verbose()
            .Enrich.WithProperty("NodeName", settings.NodeName)
            .WriteTo.Console(outputTemplate: Template)
            .WriteTo.File(Path.Combine(settings.DataDir, "logs", "node-.log"), outputTemplate: Template,
                rollingInterval: RollingInterval.Day, retainedFileCountLimit: 14)
            .CreateLogger();
        return new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            // A failed start is reported once, in one line, by Program; not again with a stack trace.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting", LogEventLevel.Fatal)
            .MinimumLevel.Override("Microsoft.AspNetCore.Server.Kestrel", LogEventLevel.Fatal)
            .MinimumLevel.Override("Akka.Hosting", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.With<AkkaStringSourceEnricher>()
            .Filter.ByExcluding(IsNoise)
            .WriteTo.Sink(new NotANodeSink(output, TimeSpan.FromMinutes(1)))
            .CreateLogger();
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

    /// <summary>
    /// Akka.Remote reports a peer that is down as errors and repeats them every retry (600 ms); the redundancy events
    /// (peer-unreachable, peer-down) already say it once, so these lines are dropped, with the housekeeping lines
    /// that come with every failed attempt.
    /// </summary>
    internal static bool IsNoise(LogEvent e)
    {
        var text = e.MessageTemplate.Text;
        return text.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal)
            || text.StartsWith("Association with remote system", StringComparison.Ordinal)
            // A peer address whose port accepts the connection but never answers the handshake (a hung node, another
            // service): Akka's error after 15 s, repeated per attempt; the failure detector's events and the not-a-node
            // warning already say it.
            || text.StartsWith("No response from remote for outbound association", StringComparison.Ordinal)
            || text.StartsWith("Removing receive buffers for", StringComparison.Ordinal)
            || (text == "Disassociated" && e.Level >= LogEventLevel.Warning)
            // The timer of an endpoint writer that has just stopped, delivered to nobody after every failed attempt.
            || (text.Contains("[AckIdleCheckTimer]", StringComparison.Ordinal) && text.Contains("not delivered", StringComparison.Ordinal))
            || e.Exception?.GetType().Name is "EndpointDisassociatedException" or "InvalidAssociation" or "ShutDownAssociation";
    }
}

/// <summary>
/// Akka logs many lines with a string as their source, which Akka.Logger.Serilog names
/// <c>Akka.Event.DummyClassForStringSources</c>; the source string itself (e.g. <c>Cluster</c>, <c>remoting</c>) says more.
/// </summary>
internal sealed partial class AkkaStringSourceEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (logEvent.Properties.GetValueOrDefault(Constants.SourceContextPropertyName) is not ScalarValue { Value: "Akka.Event.DummyClassForStringSources" })
            return;
        var source = logEvent.Properties.GetValueOrDefault("LogSource") is ScalarValue { Value: string s } ? Name(s) : "";
        logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(Constants.SourceContextPropertyName,
            source.Length == 0 ? "Akka" : $"Akka {source}"));
    }

    /// <summary>"Cluster(akka://redundant-gateway)" is "Cluster"; "akka.tcp://x@h:1/system/remoting-terminator" is "/system/remoting-terminator".</summary>
    internal static string Name(string logSource) => SystemAddress().Replace(logSource, "").Trim();

    [GeneratedRegex(@"\(?akka(\.tcp)?://[^/)]*\)?")]
    private static partial Regex SystemAddress();
}

/// <summary>
/// A peer address that answers with something other than the node link (another service's port, e.g. an HTTP server)
/// makes Akka log a TooLongFrameException error every retry (600 ms): reported here as one warning naming the address,
/// at most once per <paramref name="interval"/>; every other event passes to <paramref name="output"/> as it is.
/// </summary>
internal sealed partial class NotANodeSink(Logger output, TimeSpan interval) : ILogEventSink, IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, (DateTimeOffset Last, int Suppressed)> _reported = new();

    public void Emit(LogEvent logEvent)
    {
        if (logEvent.Exception?.GetType().Name != "TooLongFrameException")
        {
            output.Write(logEvent);
            return;
        }
        var address = RemoteAddress(logEvent.RenderMessage().Replace("\"", ""));
        int suppressed;
        lock (_gate)
        {
            var (last, count) = _reported.GetValueOrDefault(address, (DateTimeOffset.MinValue, 0));
            if (logEvent.Timestamp - last < interval)
            {
                _reported[address] = (last, count + 1);
                return;
            }
            _reported[address] = (logEvent.Timestamp, 0);
            suppressed = count;
        }
        output.ForContext(Constants.SourceContextPropertyName, "Akka.Remote").Warning(
            "The node link at {PeerAddress} answered with something that is not a node (another service's port?): check " +
            "redundancy.master-address / backup-address and the peer's cluster.port ({Repeats} more attempts since the last warning; repeated at most every {Interval})",
            address, suppressed, interval);
    }

    /// <summary>The far end of a channel Akka names "[local]->[remote](Id=...)", IPv4-mapped addresses shown plainly.</summary>
    internal static string RemoteAddress(string message)
    {
        var match = Remote().Match(message);
        if (!match.Success) return "an unknown address";
        var host = match.Groups["host"].Value;
        if (host.StartsWith("::ffff:", StringComparison.OrdinalIgnoreCase)) host = host[7..];
        return $"{host}:{match.Groups["port"].Value}";
    }

    [GeneratedRegex(@"->\[?(?:\[(?<host>[^\]]+)\]|(?<host>[^\]\[:]+)):(?<port>\d+)")]
    private static partial Regex Remote();

    public void Dispose() => output.Dispose();
}
