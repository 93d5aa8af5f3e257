using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>The pair client's log lines in the test's output, so a failed scenario shows what the client decided.</summary>
public sealed class TestOutputLogger(ITestOutputHelper output, string category) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} [{category}] {logLevel}: {formatter(state, exception)}"); }
        catch (InvalidOperationException) { /* the test is over: its output is closed */ }
    }
}
