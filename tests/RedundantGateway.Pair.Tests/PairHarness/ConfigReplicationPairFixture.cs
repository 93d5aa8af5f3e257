using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RedundantGateway.Pair.Tests.PairHarness;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>Starts the master and the backup shared by <see cref="ConfigReplicationTests"/>; kills them at the end.</summary>
public sealed class ConfigReplicationPairFixture : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "rg-pair-tests", $"cfg-{DateTime.UtcNow:HHmmss}-{Guid.NewGuid():N}"[..24]);

    public NodeSpec MasterSpec { get; private set; } = null!;
    public NodeSpec BackupSpec { get; private set; } = null!;
    public NodeProcess Master { get; private set; } = null!;
    public NodeProcess Backup { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        int masterLink = FreePort.Next(), backupLink = FreePort.Next();
        const string extra = "config-sync.module-scan-interval = 500ms";
        MasterSpec = new NodeSpec
        {
            Name = "master", Role = "master", DataDir = Path.Combine(_root, "master"), ClusterPort = masterLink, PeerPort = backupLink, Extra = extra,
        };
        BackupSpec = new NodeSpec
        {
            Name = "backup", Role = "backup", DataDir = Path.Combine(_root, "backup"), ClusterPort = backupLink, PeerPort = masterLink, Extra = extra,
        };
        Master = NodeProcess.Start("master", MasterSpec, Path.Combine(_root, "master.conf"), _root);
        Backup = NodeProcess.Start("backup", BackupSpec, Path.Combine(_root, "backup.conf"), _root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Master?.Dispose();
        Backup?.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        return Task.CompletedTask;
    }
}
