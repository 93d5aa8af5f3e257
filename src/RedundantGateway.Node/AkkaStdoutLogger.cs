using Akka.Event;
using Serilog.Events;
using LogEvent = Akka.Event.LogEvent;

namespace RedundantGateway.Node;

/// <summary>
/// Akka's "very basic logger" speaks before its loggers start and after they stop (at every shutdown it printed
/// "[INFO][date][Thread 0018][remoting-terminator] Remoting shut down." unstructured on stdout, without a newline).
/// Named in <c>akka.stdout-logger-class</c> by the node, it hands those lines to the node's Serilog logger instead,
/// which outlives the actor system.
/// </summary>
public sealed class AkkaStdoutLogger : MinimalLogger
{
    protected override void Log(object message)
    {
        if (message is not LogEvent e) return;
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogEventLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogEventLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        var source = AkkaStringSourceEnricher.Name(e.LogSource ?? "");
        Serilog.Log.ForContext(Serilog.Core.Constants.SourceContextPropertyName, source.Length == 0 ? "Akka" : $"Akka {source}")
            .Write(level, e.Cause, "{AkkaMessage:l}", e.Message?.ToString());
    }
}
