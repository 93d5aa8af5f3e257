using System.Globalization;
using System.Text;

namespace RedundantGateway.Pair.Tests.PairHarness;

/// <summary>What one test node is: its ports, its role and the redundancy settings a test varies.</summary>
public sealed record NodeSpec
{
    public required string Name { get; init; }
    /// <summary>master or backup.</summary>
    public required string Role { get; init; }
    public required string DataDir { get; init; }
    public int WebPort { get; init; } = FreePort.Next();
    public int ClusterPort { get; init; } = FreePort.Next();
    /// <summary>The port the peer dials (a <see cref="LinkProxy"/>'s); null: the cluster port itself.</summary>
    public int? PublicPort { get; init; }
    /// <summary>The port of the peer's node link as this node dials it (master-address / backup-address).</summary>
    public int? PeerPort { get; init; }
    public TimeSpan JoinWaitTime { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>automatic or manual.</summary>
    public string RecoveryMode { get; init; } = "automatic";
    /// <summary>More HOCON inside redundant-gateway { }.</summary>
    public string Extra { get; init; } = "";
    /// <summary>The API token the harness's client (<see cref="NodeApi"/>) sends; the node's own api settings go in <see cref="Extra"/>.</summary>
    public string? ApiToken { get; init; }
    /// <summary>More command-line arguments of the node (e.g. --start-over).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    public int AdvertisedPort => PublicPort ?? ClusterPort;

    public string ToHocon()
    {
        var peerKey = Role == "backup" ? "master-address" : "backup-address";
        var text = new StringBuilder();
        text.AppendLine("redundant-gateway {");
        text.AppendLine($"  node-name = \"{Name}\"");
        text.AppendLine($"  role = {Role}");
        text.AppendLine($"  data-dir = \"{DataDir.Replace("\\", "/")}\"");
        text.AppendLine($"  web.port = {WebPort}");
        text.AppendLine($"  cluster {{ port = {ClusterPort}{(PublicPort is { } p ? $", public-port = {p}" : "")} }}");
        text.AppendLine("  redundancy {");
        if (PeerPort is { } peer) text.AppendLine($"    {peerKey} = \"127.0.0.1:{peer}\"");
        text.AppendLine($"    join-wait-time = {((int)JoinWaitTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)}ms");
        text.AppendLine($"    recovery-mode = {RecoveryMode}");
        text.AppendLine("  }");
        // Off unless a test asks for it (Extra comes after and wins): the demo adds resources to a fresh master's store.
        text.AppendLine("  demo.enabled = off");
        if (Extra.Length > 0) text.AppendLine(Extra);
        text.AppendLine("}");
        return text.ToString();
    }
}
