using RedundantGateway.Node;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;
using Xunit;

namespace RedundantGateway.Tests;

/// <summary>The node's log pipeline: Akka's noise dropped, a non-node peer reported once a minute (issue 10, item 7 and polish).</summary>
public sealed class NodeLoggingSpec
{
    private sealed class Collector : ILogEventSink
    {
        public List<LogEvent> Events { get; } = new();

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    /// <summary>Stands in for DotNetty's exception, which the sink knows by its name.</summary>
    private sealed class TooLongFrameException() : Exception("Adjusted frame length exceeds 1048576: 1213486160 - discarded");

    private static LogEvent Event(DateTimeOffset at, string text, Exception? exception = null, LogEventLevel level = LogEventLevel.Error) =>
        new(at, level, exception, new MessageTemplateParser().Parse(text), []);

    private const string FrameError = "Error caught channel [[::ffff:127.0.0.1]:42844->[::ffff:127.0.0.1]:18750](Id=4faad412)";

    [Fact]
    public void A_peer_that_answers_with_something_else_is_one_warning_naming_it_per_interval()
    {
        var collector = new Collector();
        using var sink = new NotANodeSink(new LoggerConfiguration().WriteTo.Sink(collector).CreateLogger(), TimeSpan.FromMinutes(1));
        var start = DateTimeOffset.UtcNow;

        for (var i = 0; i < 50; i++) sink.Emit(Event(start.AddMilliseconds(600 * i), FrameError, new TooLongFrameException()));
        sink.Emit(Event(start.AddSeconds(61), FrameError, new TooLongFrameException()));

        Assert.Equal(2, collector.Events.Count);
        Assert.All(collector.Events, e =>
        {
            Assert.Equal(LogEventLevel.Warning, e.Level);
            Assert.Null(e.Exception);
            Assert.Contains("127.0.0.1:18750", e.RenderMessage());
            Assert.Contains("not a node", e.RenderMessage());
        });
        Assert.Contains("49 more attempts", collector.Events[1].RenderMessage());
    }

    [Fact]
    public void Other_events_pass_unchanged()
    {
        var collector = new Collector();
        using var sink = new NotANodeSink(new LoggerConfiguration().WriteTo.Sink(collector).CreateLogger(), TimeSpan.FromMinutes(1));
        var other = Event(DateTimeOffset.UtcNow, "something else", new InvalidOperationException("x"));

        sink.Emit(other);

        Assert.Same(other, Assert.Single(collector.Events));
    }

    [Theory]
    [InlineData("Error caught channel [\"[::ffff:10.0.0.2]:1->[::ffff:10.0.0.3]:8080\"](Id=1)", "10.0.0.3:8080")]
    [InlineData("Error caught channel [10.0.0.2:1->10.0.0.3:8080](Id=1)", "10.0.0.3:8080")]
    [InlineData("no channel here", "an unknown address")]
    public void The_far_end_of_the_channel_is_named(string message, string address) =>
        Assert.Equal(address, NotANodeSink.RemoteAddress(message.Replace("\"", "")));

    [Theory]
    [InlineData("Removing receive buffers for [akka.tcp://a@h:1]->[akka.tcp://a@h:2]", true)]
    [InlineData("Message [AckIdleCheckTimer] wrapped in [$ScheduledTellMsg] from [x] to [y] was not delivered. [1] dead letters encountered.", true)]
    [InlineData("Redundancy activity-changed: going active", false)]
    public void Akka_housekeeping_lines_are_noise(string text, bool noise) =>
        Assert.Equal(noise, NodeLogging.IsNoise(Event(DateTimeOffset.UtcNow, text, level: LogEventLevel.Information)));

    [Theory]
    [InlineData("Cluster (akka://redundant-gateway)", "Cluster")]
    [InlineData("TcpClientHandler (akka://redundant-gateway)", "TcpClientHandler")]
    [InlineData("remoting-terminator", "remoting-terminator")]
    public void An_akka_string_source_is_named_without_the_system_address(string logSource, string name) =>
        Assert.Equal(name, AkkaStringSourceEnricher.Name(logSource));
}
