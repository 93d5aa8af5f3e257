using Akka.Actor;
using Akka.Configuration;
using RedundantGateway.Configuration;

namespace RedundantGateway.Tests;

/// <summary>Shared fixtures for the specs: cluster-capable actor system config, settings, the repo root, a fake clock.</summary>
internal static class TestSupport
{
    /// <summary>A cluster actor system on a free loopback port, with the pair's akka section as fallback.</summary>
    public static Config ClusterSystemConfig(string extra = "") =>
        ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.actor.provider = cluster
            akka.remote.dot-netty.tcp.port = 0
            akka.remote.dot-netty.tcp.hostname = 127.0.0.1
            # A test system ends without leaving the cluster gracefully: nothing waits on it.
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            akka.cluster.run-coordinated-shutdown-when-down = off
            {{extra}}
            """).WithFallback(GatewayConfig.Reference);

    /// <summary>Validated settings from a <c>redundant-gateway { ... }</c> body, over the defaults.</summary>
    public static GatewaySettings Settings(string redundantGatewayBody, string source = "spec.hocon") =>
        GatewaySettings.Create(GatewayConfig.Parse($"redundant-gateway {{\n{redundantGatewayBody}\n}}", source), source);

    /// <summary>The default redundancy settings with a designator of the given recovery mode and settle time.</summary>
    public static global::RedundantGateway.Redundancy.RedundancySettings DesignatorSettings(RecoveryMode mode, TimeSpan settleTime) =>
        Settings("").Redundancy with { RecoveryMode = mode, DesignatorSettleTime = settleTime };

    /// <summary>The folder that holds RedundantGateway.sln.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RedundantGateway.sln"))) return dir.FullName;
            throw new InvalidOperationException($"RedundantGateway.sln not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>A fresh, empty temporary folder; the caller deletes it.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "rg-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void DeleteQuietly(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A clock the test moves by hand (milliseconds, like the detector's monotonic clock).</summary>
internal sealed class FakeClock(long startMs = 1_000_000)
{
    private long _nowMs = startMs;

    public long NowMs => Interlocked.Read(ref _nowMs);

    public void Advance(long ms) => Interlocked.Add(ref _nowMs, ms);

    public Func<long> AsFunc() => () => NowMs;
}

/// <summary>
/// Creates one child under a fixed name and forwards everything to it, so that a test can put an actor
/// at a path the code under test addresses by name (e.g. /user/redundancy/liveness).
/// </summary>
internal sealed class NamedParent : ReceiveActor
{
    public NamedParent(Props child, string childName)
    {
        var created = Context.ActorOf(child, childName);
        ReceiveAny(message => created.Forward(message));
    }

    public static Props Props(Props child, string childName) =>
        Akka.Actor.Props.Create(() => new NamedParent(child, childName));
}
