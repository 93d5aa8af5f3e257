using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;

namespace RedundantGateway.ConfigSync;

// Who holds the configuration to keep (AuthorityRules): a master whose store is older than its backup's (or
// empty) takes the backup's by a transfer in the other direction; when that cannot be done it refuses edits
// and says why in the log, the events and the status, until the conflict is gone or an operator starts over.
public sealed partial class ConfigPublisher
{
    private void OnBackupAhead(AuthorityDecision decision, PullConfigUpdates pull)
    {
        if (decision.Verdict == AuthorityVerdict.RefuseEdits)
        {
            RefuseEdits(decision.Reason);
            return;
        }
        if (_adopter is not null) return;
        _adopter = Context.ActorOf(ConfigAdopter.Props(_sync, _node, _store, Sender, pull, decision.Reason), $"adopt-{Guid.NewGuid():N}");
        _adoptionReason = decision.Reason;
        _log.Warning("Taking the backup's configuration instead of pushing this master's over it: {Reason}", decision.Reason);
        RefuseEdits($"taking the backup's configuration: {decision.Reason}", conflict: false);
    }

    private void OnAdopted(ConfigAdopter.Adopted adopted)
    {
        _adopter = null;
        _document = adopted.Document;
        _startRevision = adopted.Document.Revision;
        // The queue holds this master's older revisions: none of them may answer a pull any more.
        _queue.Clear();
        _log.Warning("This master took the backup's configuration: system {Identity} at revision {Revision}, digest {Digest}, {Bytes} bytes; edits accepted again",
            adopted.Document.Identity, adopted.Document.Revision, adopted.Document.Digest, adopted.Bytes);
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigAdopted,
            $"took the backup's configuration (system {adopted.Document.Identity}, revision {adopted.Document.Revision}, {adopted.Bytes} bytes): {_adoptionReason}"));
        _refusal = null;
        Context.Parent.Tell(new ConfigEditsGate(null));
        Settled(adoptedBackup: true);
    }

    /// <summary>Says once that this master has compared its store with its backup's (the demo loader waits for it).</summary>
    private void Settled(bool adoptedBackup)
    {
        if (_settled) return;
        _settled = true;
        Context.System.EventStream.Publish(new ConfigAuthoritySettled(adoptedBackup));
    }

    private void OnNotAdopted(ConfigAdopter.NotAdopted failed)
    {
        _adopter = null;
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigTransferFailed, $"the backup's configuration was not taken: {failed.Reason}"));
        // The backup's next pull tries again.
        RefuseEdits($"the backup's newer configuration could not be taken ({failed.Reason}); trying again at its next pull");
    }

    /// <param name="conflict">neither configuration can be taken without an operator (logged as an error, with what to do).</param>
    private void RefuseEdits(string reason, bool conflict = true)
    {
        if (_refusal == reason) return;
        _refusal = reason;
        if (conflict)
            _log.Error("Edits refused on this master: {Reason}. To keep the backup's configuration, import an export of it into this master; to keep this master's, restart it with --start-over (docs/operations.md)", reason);
        else
            _log.Warning("Edits refused on this master until it holds the backup's configuration: {Reason}", reason);
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigEditsRefused, reason));
        Context.Parent.Tell(new ConfigEditsGate(reason));
    }

    private void AcceptEdits(string why)
    {
        _log.Warning("Edits accepted again on this master: {Reason}", why);
        _refusal = null;
        Context.Parent.Tell(new ConfigEditsGate(null));
    }
}
