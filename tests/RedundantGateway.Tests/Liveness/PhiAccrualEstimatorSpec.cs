using RedundantGateway.Liveness;
using Xunit;

namespace RedundantGateway.Tests;

public sealed class PhiAccrualEstimatorSpec
{
    private const long Start = 50_000;

    private static PhiAccrualEstimator Estimator(double minStdMs = 100, double acceptablePauseMs = 0, int maxSamples = 200) =>
        new(maxSamples, TimeSpan.FromMilliseconds(minStdMs), TimeSpan.FromMilliseconds(acceptablePauseMs));

    /// <summary>Heartbeats at <paramref name="intervals"/> after <see cref="Start"/>; returns the time of the last one.</summary>
    private static long Feed(PhiAccrualEstimator estimator, params long[] intervals)
    {
        var now = Start;
        estimator.Heartbeat(now);
        foreach (var interval in intervals)
        {
            now += interval;
            estimator.Heartbeat(now);
        }
        return now;
    }

    private static long[] Regular(int count, long intervalMs) => Enumerable.Repeat(intervalMs, count).ToArray();

    /// <summary>The first silence (1 ms steps) at which phi reaches <paramref name="threshold"/>.</summary>
    private static long SilenceToReach(PhiAccrualEstimator estimator, long last, double threshold)
    {
        for (long silent = 0; silent < 60_000; silent++)
            if (estimator.Phi(last + silent) >= threshold) return silent;
        throw new InvalidOperationException("phi never reached " + threshold);
    }

    [Fact]
    public void Phi_is_zero_before_two_heartbeats()
    {
        var estimator = Estimator();
        Assert.Equal(0, estimator.Phi(Start + 10_000));
        Assert.Null(estimator.LastHeartbeatMs);

        estimator.Heartbeat(Start);
        Assert.Equal(Start, estimator.LastHeartbeatMs);
        Assert.Equal(0, estimator.Phi(Start + 10_000));

        estimator.Heartbeat(Start + 200);
        Assert.True(estimator.Phi(Start + 10_000) > 8);
    }

    [Fact]
    public void Phi_is_low_right_after_a_regular_heartbeat()
    {
        var estimator = Estimator();
        var last = Feed(estimator, Regular(20, 200));

        Assert.True(estimator.Phi(last) < 0.1, $"phi {estimator.Phi(last)} right after a heartbeat");
        // At the mean interval itself, phi is -log10(0.5).
        Assert.Equal(Math.Log10(2), estimator.Phi(last + 200), 3);
    }

    [Fact]
    public void Phi_grows_monotonically_with_silence()
    {
        var estimator = Estimator();
        var last = Feed(estimator, Regular(20, 200));

        var previous = -1.0;
        for (long silent = 0; silent <= 2_000; silent += 5)
        {
            var phi = estimator.Phi(last + silent);
            Assert.True(phi >= previous, $"phi fell from {previous} to {phi} at {silent} ms of silence");
            previous = phi;
        }
        Assert.True(previous > 30, $"phi only {previous} after 2 s of silence with 200 ms heartbeats");
    }

    [Fact]
    public void With_regular_200ms_heartbeats_and_min_std_100ms_phi_passes_8_after_about_mean_plus_5_std()
    {
        var estimator = Estimator(minStdMs: 100);
        var last = Feed(estimator, Regular(30, 200));

        var silence = SilenceToReach(estimator, last, 8.0);

        // mean 200 + ~5.2 x 100 (the logistic approximation): well before the 1500 ms failover timeout.
        Assert.InRange(silence, 680, 780);
        Assert.True(estimator.Phi(last + 600) < 8);
        Assert.True(estimator.Phi(last + 800) > 8);
    }

    [Fact]
    public void A_larger_min_std_deviation_delays_suspicion()
    {
        var tight = Estimator(minStdMs: 50);
        var loose = Estimator(minStdMs: 300);
        var lastTight = Feed(tight, Regular(30, 200));
        var lastLoose = Feed(loose, Regular(30, 200));

        Assert.True(SilenceToReach(tight, lastTight, 8) < SilenceToReach(loose, lastLoose, 8));
    }

    [Fact]
    public void An_acceptable_pause_shifts_the_curve_by_the_pause()
    {
        var plain = Estimator();
        var paused = Estimator(acceptablePauseMs: 1_000);
        var lastPlain = Feed(plain, Regular(30, 200));
        var lastPaused = Feed(paused, Regular(30, 200));

        Assert.Equal(SilenceToReach(plain, lastPlain, 8) + 1_000, SilenceToReach(paused, lastPaused, 8));
    }

    [Fact]
    public void Reset_forgets_the_history()
    {
        var estimator = Estimator();
        var last = Feed(estimator, Regular(20, 200));
        Assert.True(estimator.Phi(last + 1_000) > 8);

        estimator.Reset();

        Assert.Null(estimator.LastHeartbeatMs);
        Assert.Equal(0, estimator.Phi(last + 1_000));
        // A single heartbeat after the reset is not enough for an estimate again.
        estimator.Heartbeat(last + 2_000);
        Assert.Equal(0, estimator.Phi(last + 10_000));
    }

    [Fact]
    public void After_a_reset_the_old_intervals_do_not_count()
    {
        // Slow history (1 s), reset, then fast heartbeats (100 ms): suspicion follows the new rhythm only.
        var estimator = Estimator(minStdMs: 10);
        var last = Feed(estimator, Regular(20, 1_000));
        estimator.Reset();
        var now = last + 5_000;
        estimator.Heartbeat(now);
        for (var i = 0; i < 20; i++) estimator.Heartbeat(now += 100);

        Assert.True(estimator.Phi(now + 500) > 8, $"phi {estimator.Phi(now + 500)} at 500 ms after 100 ms heartbeats");
    }

    [Fact]
    public void Irregular_intervals_raise_the_deviation_so_phi_grows_slower()
    {
        var regular = Estimator(minStdMs: 100);
        var irregular = Estimator(minStdMs: 100);
        var lastRegular = Feed(regular, Regular(30, 200));
        // Same mean (200 ms), standard deviation 150 ms (above the 100 ms floor).
        var lastIrregular = Feed(irregular, Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? 50L : 350L).ToArray());

        Assert.True(irregular.Phi(lastIrregular + 600) < regular.Phi(lastRegular + 600));
        Assert.True(SilenceToReach(irregular, lastIrregular, 8) > SilenceToReach(regular, lastRegular, 8) + 200);
    }

    [Fact]
    public void Only_the_newest_samples_are_kept()
    {
        // 10 samples kept: after 10 fast intervals the slow history has been dropped entirely.
        var estimator = Estimator(minStdMs: 10, maxSamples: 10);
        var last = Feed(estimator, Regular(10, 2_000).Concat(Regular(10, 100)).ToArray());
        var fresh = Estimator(minStdMs: 10, maxSamples: 10);
        var freshLast = Feed(fresh, Regular(10, 100));

        Assert.Equal(fresh.Phi(freshLast + 300), estimator.Phi(last + 300), 6);
    }

    [Fact]
    public void The_formula_matches_the_logistic_approximation()
    {
        Assert.Equal(Math.Log10(2), PhiAccrualEstimator.Phi(200, 200, 100), 9);
        // y = 3: -log10(e / (1 + e)) with e = exp(-3 (1.5976 + 0.070566 * 9)).
        var e = Math.Exp(-3 * (1.5976 + 0.070566 * 9));
        Assert.Equal(-Math.Log10(e / (1 + e)), PhiAccrualEstimator.Phi(500, 200, 100), 9);
        // Far beyond the mean the value stays finite and keeps growing (no underflow to infinity or a cap).
        var far = PhiAccrualEstimator.Phi(1e6, 200, 100);
        Assert.True(double.IsFinite(far) && far > PhiAccrualEstimator.Phi(1e5, 200, 100));
    }
}
