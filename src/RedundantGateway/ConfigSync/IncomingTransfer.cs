using System.Diagnostics;
using Akka.Actor;
using RedundantGateway.Redundancy;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

/// <summary>
/// What a <see cref="ConfigFollower"/> is in the middle of: a full transfer, or the modules it still has to
/// fetch. Mutable, owned by the follower alone; its stage is the follower's behaviour.
/// </summary>
internal sealed class IncomingTransfer(long number, TransferKind kind, string reason)
{
    /// <summary>Results of this transfer's steps carry it: one of a cancelled transfer must not act on the next.</summary>
    public long Number { get; } = number;
    public TransferKind Kind { get; } = kind;
    public string Reason { get; } = reason;
    public Stopwatch Elapsed { get; } = Stopwatch.StartNew();
    public long Bytes { get; set; }
    public int Refetched { get; set; }
    public int Fetched { get; set; }
    /// <summary>The file being fetched (for a full transfer it stays set once received).</summary>
    public TransferOffer? Offer { get; set; }
    /// <summary>The receiver fetching <see cref="Offer"/>, until it reported.</summary>
    public IActorRef? Receiver { get; set; }
    public ModuleManifest? Manifest { get; set; }
    public Queue<ModuleEntry> ModulesToFetch { get; } = new();
    public string StagingDir { get; set; } = "";
    public long Revision { get; set; }

    public string Describe() => Kind == TransferKind.Full
        ? $"full transfer to revision {Revision} ({Reason})"
        : $"modules mirrored: {Fetched} of the master's {Manifest?.Modules.Count ?? 0} fetched ({Reason})";

    /// <summary>The event kind logged when it completes.</summary>
    public string EventKind => Kind == TransferKind.Full ? RedundancyEventKinds.ConfigFullTransfer : RedundancyEventKinds.ConfigModuleTransfer;
}
