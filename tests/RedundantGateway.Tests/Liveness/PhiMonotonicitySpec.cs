// Regression specs: each test names the bug it demonstrates and the expected behaviour.
using RedundantGateway.Liveness;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class PhiMonotonicitySpec
{
    // Regression (PhiAccrualEstimator.Phi, the double.IsFinite fallback): once exp() underflows to 0 (about 21.6 std deviations past the mean: 2.36 s of silence with 200 ms heartbeats and 100 ms min std), phi drops from about 320 to the fallback 100: phi is not monotonic in the silence.
    [Fact]
    public void Phi_never_decreases_with_silence()
    {
        var estimator = new PhiAccrualEstimator(200, TimeSpan.FromMilliseconds(100), TimeSpan.Zero);
        long now = 0;
        estimator.Heartbeat(now);
        for (var i = 0; i < 20; i++) estimator.Heartbeat(now += 200);

        var previous = 0.0;
        for (long silent = 0; silent <= 5_000; silent += 10)
        {
            var phi = estimator.Phi(now + silent);
            Assert.True(phi >= previous, $"phi fell from {previous:F1} to {phi:F1} at {silent} ms of silence");
            previous = phi;
        }
    }
}
