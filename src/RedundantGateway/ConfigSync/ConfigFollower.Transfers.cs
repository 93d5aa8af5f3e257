using Akka.Actor;
using Akka.Event;
using RedundantGateway.Redundancy;
using RedundantGateway.Transfer;

namespace RedundantGateway.ConfigSync;

// The backup's transfer stages, each a behaviour: fetching the archive (full) or the modules, replacing the
// configuration, installing the modules, restarting the runtime. Any stage can fail; then the backup pulls
// again after pull-retry-interval and the master says again what it needs.
public sealed partial class ConfigFollower
{
    private void StartFullTransfer(string reason)
    {
        if (_master is null) return;
        CancelIncoming();
        _pullId++; // a pull still under way is answered into the void
        Timers.Cancel("pull-timeout");
        Timers.Cancel("pull");
        _incoming = new IncomingTransfer(++_transferNumber, TransferKind.Full, reason);
        Go(SyncState.Transferring, () => Transferring(FetchingArchive));
        _log.Info("Full transfer requested from the master: {Reason}", reason);
        Master().Tell(new RequestFullTransfer(reason), Self);
        AwaitStep("the master's archive");
    }

    private void StartModuleSync()
    {
        _incoming = new IncomingTransfer(++_transferNumber, TransferKind.Module, "the master's modules differ from this node's");
        Go(SyncState.Transferring, () => Transferring(FetchingModules));
        Master().Tell(GetModuleManifest.Instance, Self);
        AwaitStep("the master's module list");
    }

    /// <summary>What every transfer stage handles, then the stage's own messages.</summary>
    private void Transferring(Action stage)
    {
        Common();
        stage();
        Receive<TransferRefused>(refused => FailTransfer($"the master refused: {refused.Reason}"));
        Receive<TransferFailed>(failed =>
        {
            if (_incoming?.Offer?.TransferId != failed.Offer.TransferId) return;
            Reported(_incoming);
            FailTransfer($"{failed.Offer.Kind.ToString().ToLowerInvariant()} transfer of {failed.Offer.Name}: {failed.Reason}");
        });
        Receive<Terminated>(terminated =>
        {
            // A receiver that stops without reporting failed (its supervision stops it).
            if (_incoming is { Receiver: { } receiver } && receiver.Equals(terminated.ActorRef))
                FailTransfer($"the receiver of {_incoming.Offer?.Name} stopped");
        });
        Receive<TransferStepFailed>(failed =>
        {
            if (_incoming?.Number == failed.Transfer) FailTransfer(failed.Reason);
        });
        Receive<TransferTimedOut>(timedOut =>
        {
            if (_incoming?.Number == timedOut.Transfer) FailTransfer(timedOut.Reason);
        });
    }

    /// <summary>
    /// Waits at most sync-timeout for the master or the store to do their part. Fetching has its own limits
    /// (chunk-timeout, chunk-retries) and the local steps after it are not cut short.
    /// </summary>
    private void AwaitStep(string what) =>
        Timers.StartSingleTimer("transfer-timeout", new TransferTimedOut(_transferNumber,
            $"{what} did not come within {_sync.SyncTimeout.TotalSeconds:F0} s (sync-timeout)"), _sync.SyncTimeout);

    private void StepDone() => Timers.Cancel("transfer-timeout");

    // ---- stage: fetching ----

    private void FetchingArchive()
    {
        Receive<TransferOffer>(OnOffer);
        Receive<TransferReceived>(OnReceived);
        Receive<ArchiveUnpacked>(OnArchiveUnpacked);
    }

    private void FetchingModules()
    {
        Receive<ModuleManifest>(OnMasterManifest);
        Receive<TransferOffer>(OnOffer);
        Receive<TransferReceived>(OnReceived);
    }

    private void OnMasterManifest(ModuleManifest manifest)
    {
        if (_incoming is not { } incoming || incoming.Manifest is not null) return;
        StepDone();
        incoming.Manifest = manifest;
        incoming.StagingDir = Path.Combine(_node.TransfersDir, "modules-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(incoming.StagingDir);
        var local = _modules.Hashed;
        foreach (var module in manifest.Modules)
        {
            if (!local.TryGetValue(module.Name, out var mine) || mine.Sha256 != module.Sha256) incoming.ModulesToFetch.Enqueue(module);
        }
        FetchNextModule(incoming);
    }

    private void FetchNextModule(IncomingTransfer incoming)
    {
        if (incoming.ModulesToFetch.TryPeek(out var next))
        {
            Master().Tell(new RequestModuleTransfer(next.Name), Self);
            AwaitStep($"the master's offer of module {next.Name}");
            return;
        }
        InstallModules(incoming);
    }

    private void OnOffer(TransferOffer offer)
    {
        if (_incoming is not { } incoming || offer.Kind != incoming.Kind || incoming.Offer is not null) return;
        StepDone();
        if (incoming.Kind == TransferKind.Module && (!incoming.ModulesToFetch.TryPeek(out var expected) || expected.Name != offer.Name)) return;
        incoming.Offer = offer;
        var target = Path.Combine(_node.TransfersDir, offer.TransferId + ".part");
        // The offer's sender serves the chunks (the master's transfer sender, or an older master's replicator).
        incoming.Receiver = Context.Watch(Context.ActorOf(TransferReceiver.Props(offer, Sender, target, _sync.Transfer), "receive-" + offer.TransferId));
    }

    private void OnReceived(TransferReceived received)
    {
        if (_incoming is not { } incoming || incoming.Offer?.TransferId != received.Offer.TransferId) return;
        Reported(incoming);
        Master().Tell(new TransferFinished(received.Offer.TransferId), Self);
        incoming.Bytes += received.Offer.Size;
        incoming.Refetched += received.RefetchedChunks;
        if (received.RefetchedChunks > 0)
            _log.Warning("Transfer {TransferId}: {Chunks} chunks had to be fetched again", received.Offer.TransferId, received.RefetchedChunks);

        if (incoming.Kind == TransferKind.Module)
        {
            var module = incoming.ModulesToFetch.Dequeue();
            if (received.Offer.Sha256 != module.Sha256)
            {
                FailTransfer($"module {module.Name} changed on the master during the transfer");
                return;
            }
            File.Move(received.FilePath, Path.Combine(incoming.StagingDir, module.Name), overwrite: true);
            incoming.Fetched++;
            incoming.Offer = null;
            FetchNextModule(incoming);
            return;
        }

        var staging = Path.Combine(_node.TransfersDir, "staging-" + received.Offer.TransferId);
        var path = received.FilePath;
        var number = incoming.Number;
        incoming.StagingDir = staging;
        var current = _document;
        var modulesDir = _node.ModulesDir;
        var savedDir = _node.SavedDir;
        Task.Run(() =>
        {
            var unpacked = ConfigArchive.Read(path, staging);
            // A configuration of another system, or one of this system the master's does not continue (newer, or
            // other content at the same revision: a master pointed at the wrong pair, or started over by an
            // operator), is about to be replaced: keep a copy, it may be the only one left.
            string? saved = null;
            if (current.Identity is { } identity && (identity != unpacked.Document.Identity
                || current.Revision >= unpacked.Document.Revision && current.Digest != unpacked.Document.Digest))
            {
                Directory.CreateDirectory(savedDir);
                saved = Path.Combine(savedDir, $"config-{identity}-r{current.Revision}-{DateTime.UtcNow:yyyyMMddTHHmmss}.zip");
                ConfigArchive.Write(saved, current, modulesDir);
            }
            return new ArchiveUnpacked(number, unpacked, saved);
        }).PipeTo(Self, failure: e => new TransferStepFailed(number, $"the archive is not usable: {e.GetBaseException().Message}"));
    }

    private void OnArchiveUnpacked(ArchiveUnpacked unpacked)
    {
        if (_incoming is not { Kind: TransferKind.Full } incoming || incoming.Number != unpacked.Transfer) return;
        incoming.Manifest = unpacked.Unpacked.Modules;
        if (unpacked.SavedPrevious is { } saved)
        {
            _log.Warning("The configuration of system {Identity} (revision {Revision}) is replaced by the master's (system {MasterIdentity}, revision {MasterRevision}); a copy is kept in {Path}",
                _document.Identity, _document.Revision, unpacked.Unpacked.Document.Identity, unpacked.Unpacked.Document.Revision, saved);
            _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigSaved,
                $"the configuration of system {_document.Identity} at revision {_document.Revision} was saved to {saved} before the master's (system {unpacked.Unpacked.Document.Identity}, revision {unpacked.Unpacked.Document.Revision}) replaced it"));
        }
        Become(() => Transferring(Replacing));
        AwaitStep("the config store's replacement");
        _store.Tell(new ReplaceConfig(unpacked.Unpacked.Document, incoming.Reason), Context.Parent);   // see Props
    }

    // ---- stages: replacing, installing, restarting ----

    private void Replacing() => Receive<ConfigReplacedAck>(replaced =>
    {
        if (_incoming is not { } incoming) return;
        StepDone();
        incoming.Revision = replaced.Revision;
        // The archive was the master's configuration a moment ago (possibly of a new identity at a lower
        // revision); the next pull says whether it has moved on since.
        _masterRevision = replaced.Revision;
        InstallModules(incoming);
    });

    /// <summary>Moves the staged (verified) modules in and removes the ones the master does not have.</summary>
    private void InstallModules(IncomingTransfer incoming)
    {
        Become(() => Transferring(Installing));
        var number = incoming.Number;
        var staging = incoming.StagingDir;
        var manifest = incoming.Manifest!;
        var modulesDir = _node.ModulesDir;
        var previous = _modules;
        Task.Run(() =>
        {
            ModuleFolder.Install(modulesDir, staging, manifest, removeOthers: true);
            return ModuleFolder.Scan(modulesDir, previous);
        }).PipeTo(Self, success: scan => new ModulesInstalled(number, scan),
            failure: e => new TransferStepFailed(number, $"modules not installed: {e.GetBaseException().Message}"));
    }

    private void Installing() => Receive<ModulesInstalled>(installed =>
    {
        if (_incoming is not { } incoming || incoming.Number != installed.Transfer) return;
        _modules = installed.Scan;
        // The watcher scans on from what was just installed (it would otherwise hash the new files again).
        _watcher.Tell(new ModulesRescanned(installed.Scan));
        if (incoming.Manifest is { } wanted && _modules.Manifest.Digest != wanted.Digest)
        {
            // Without this, a file that cannot be replaced would make every pull start the same transfer again.
            FailTransfer("the modules folder still differs from the master's after the install (a file locked or changed meanwhile?)");
            return;
        }
        // The folder now matches the master's list of a moment ago; the next pull says if it moved on.
        if (incoming.Manifest is { } mirrored) _masterModulesDigest = mirrored.Digest;
        if (incoming.Kind == TransferKind.Module) incoming.Revision = _document.Revision;
        Become(() => Transferring(Restarting));
        _coordinator.Tell(new RestartRuntime(incoming.Describe(), incoming.Revision, incoming.Number));
    });

    private void Restarting() => Receive<RuntimeRestarted>(restarted =>
    {
        if (_incoming is not { } incoming || restarted.RequestId != incoming.Number) return;
        Timers.Cancel("transfer-timeout");
        var elapsed = incoming.Elapsed.Elapsed.TotalMilliseconds;
        _lastTransfer = new TransferSummary(incoming.Kind, incoming.Reason, incoming.Bytes, elapsed, DateTimeOffset.UtcNow, incoming.Revision);
        _transfers++;
        _coordinator.Tell(new AppendRedundancyEvent(incoming.EventKind,
            $"{incoming.Describe()}; {incoming.Bytes} bytes, {incoming.Refetched} chunks fetched again, runtime restart {restarted.DurationMs:F0} ms",
            elapsed));
        CleanStaging(incoming);
        _incoming = null;
        Go(SyncState.Idle, Idle);
        Pull();
    });

    /// <summary>The receiver reported and stops by itself: its end is no failure.</summary>
    private void Reported(IncomingTransfer incoming)
    {
        if (incoming.Receiver is { } receiver) Context.Unwatch(receiver);
        incoming.Receiver = null;
    }

    // ---- ending a transfer ----

    private void FailTransfer(string reason)
    {
        if (_incoming is not { } incoming) return;
        _log.Warning("Configuration transfer failed: {Reason}", reason);
        _coordinator.Tell(new AppendRedundancyEvent(RedundancyEventKinds.ConfigTransferFailed, $"{incoming.Kind.ToString().ToLowerInvariant()} transfer ({incoming.Reason}) failed: {reason}"));
        CancelIncoming();
        Go(SyncState.Idle, Idle);
        _masterRef = null;
        Timers.StartSingleTimer("pull", PullNow.Instance, _sync.PullRetryInterval);
    }

    private void CancelIncoming()
    {
        Timers.Cancel("transfer-timeout");
        if (_incoming is not { } incoming) return;
        if (incoming.Receiver is { } receiver)
        {
            Context.Unwatch(receiver);
            Context.Stop(receiver);
        }
        if (incoming.Offer is { } offer) Master().Tell(new TransferFinished(offer.TransferId), Self);
        CleanStaging(incoming);
        _incoming = null;
    }

    private void CleanStaging(IncomingTransfer incoming)
    {
        if (incoming.StagingDir.Length > 0 && Directory.Exists(incoming.StagingDir))
        {
            try { Directory.Delete(incoming.StagingDir, recursive: true); }
            catch (IOException) { }
        }
        if (incoming.Offer is { } offer)
        {
            try { File.Delete(Path.Combine(_node.TransfersDir, offer.TransferId + ".part")); }
            catch (IOException) { }
        }
    }
}
