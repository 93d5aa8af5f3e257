using System.Security.Cryptography;
using Akka.Actor;
using Akka.TestKit;
using RedundantGateway.Configuration;
using RedundantGateway.ConfigSync;
using RedundantGateway.Transfer;
using Xunit;
using Xunit.Abstractions;

namespace RedundantGateway.Tests.Transfer;

/// <summary>
/// The backup's side of a transfer, against a probe playing the master: a sliding window of chunk requests,
/// damaged chunks fetched again (a bounded number of times), the whole file checked at the end.
/// </summary>
public sealed class TransferReceiverSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private const int ChunkSize = 64 * 1024;
    private const int InFlight = 4;
    private const int Retries = 2;

    private readonly string _dir = TestSupport.TempDir();

    public TransferReceiverSpec(ITestOutputHelper output) : base(output: output)
    {
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        TestSupport.DeleteQuietly(_dir);
    }

    private static ConfigSyncSettings SyncSettings(int inFlight = InFlight, int retries = Retries) => TestSupport.Settings($$"""
        config-sync {
          chunk-size = 64KiB
          chunks-in-flight = {{inFlight}}
          chunk-retries = {{retries}}
        }
        """).ConfigSync;

    private static string Sha(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private enum Damage { None, FlipByte, Truncate }

    /// <summary>The master's file and its offer.</summary>
    private sealed class Source
    {
        public Source(string dir, int size, int chunkSize = ChunkSize, string? wholeSha = null, int seed = 0)
        {
            Bytes = new byte[size];
            new Random(size + seed).NextBytes(Bytes);
            var path = Path.Combine(dir, $"source-{seed}.bin");
            File.WriteAllBytes(path, Bytes);
            Offer = new TransferOffer("module-" + Guid.NewGuid().ToString("N"), TransferKind.Module, "driver.dll", size,
                wholeSha ?? ModuleFolder.HashFile(path), chunkSize, (size + chunkSize - 1) / chunkSize);
        }

        public byte[] Bytes { get; }

        public TransferOffer Offer { get; }

        /// <summary>A chunk as the master sends it; damaged ones keep the SHA-256 of the original bytes.</summary>
        public TransferChunk Chunk(int index, Damage damage = Damage.None)
        {
            var offset = index * Offer.ChunkSize;
            var data = Bytes.AsSpan(offset, (int)Math.Min(Offer.ChunkSize, Offer.Size - offset)).ToArray();
            var sha = Sha(data);
            switch (damage)
            {
                case Damage.FlipByte: data[data.Length / 2] ^= 0x40; break;
                case Damage.Truncate: data = data[..^1]; sha = Sha(data); break;   // consistent hash, wrong length
            }
            return new TransferChunk(Offer.TransferId, index, data, sha);
        }
    }

    private sealed record Run(object Result, IReadOnlyDictionary<int, int> Requests, int MaxOutstanding, string TargetPath, IActorRef Receiver);

    /// <summary>
    /// Starts a receiver under a parent probe and answers its requests from a master probe, in a shuffled order,
    /// damaging the chunks <paramref name="damage"/> says (by index and attempt). Checks the window after every
    /// request: each request is for the next chunk or for the one just refused, never more than the window.
    /// </summary>
    private Run Serve(Source source, Func<int, int, Damage> damage, ConfigSyncSettings? settings = null,
        Action<IActorRef>? beforeServing = null, Action<IActorRef, int>? afterGoodChunk = null)
    {
        settings ??= SyncSettings();
        var offer = source.Offer;
        var parent = CreateTestProbe("parent");
        var master = CreateTestProbe("master");
        var target = Path.Combine(_dir, "transfers", offer.TransferId + ".part");
        var receiver = parent.ChildActorOf(TransferReceiver.Props(offer, master.Ref, target, settings.Transfer), "receiver");

        var requests = new Dictionary<int, int>();
        var pending = new List<int>();
        var nextNew = 0;
        var maxOutstanding = 0;
        void ExpectRequest(int index)
        {
            var fetch = master.ExpectMsg<FetchChunk>(Deadline);
            Assert.Equal(offer.TransferId, fetch.TransferId);
            Assert.Equal(index, fetch.Index);
            Assert.DoesNotContain(index, pending);
            pending.Add(index);
            requests[index] = requests.GetValueOrDefault(index) + 1;
            maxOutstanding = Math.Max(maxOutstanding, pending.Count);
            Assert.True(pending.Count <= settings.ChunksInFlight, $"{pending.Count} requests outstanding, window {settings.ChunksInFlight}");
        }

        while (nextNew < Math.Min(settings.ChunksInFlight, offer.ChunkCount)) ExpectRequest(nextNew++);
        beforeServing?.Invoke(receiver);

        var random = new Random(11);
        var failed = false;
        while (pending.Count > 0 && !failed)
        {
            var index = pending[random.Next(pending.Count)];
            pending.Remove(index);
            var harm = damage(index, requests[index]);
            receiver.Tell(source.Chunk(index, harm), master.Ref);
            if (harm == Damage.None) afterGoodChunk?.Invoke(receiver, index);
            if (harm != Damage.None)
            {
                if (requests[index] > settings.ChunkRetries) failed = true;   // the receiver gives up
                else ExpectRequest(index);                                     // the same chunk, again
            }
            else if (nextNew < offer.ChunkCount)
            {
                ExpectRequest(nextNew++);
            }
        }

        var result = parent.ExpectMsg<object>(m => m is TransferReceived or TransferFailed, Deadline);
        // Every request was expected: nothing more was asked for.
        Assert.False(master.HasMessages, "the receiver asked for more than expected");
        return new Run(result, requests, maxOutstanding, target, receiver);
    }

    private void AssertStopped(IActorRef receiver)
    {
        var watcher = CreateTestProbe();
        watcher.Watch(receiver);
        watcher.ExpectTerminated(receiver, Deadline);
    }

    [Fact]
    public void Fetches_a_file_in_a_window_of_chunks_and_reports_it_received()
    {
        var source = new Source(_dir, 1_000_000);
        Assert.Equal(16, source.Offer.ChunkCount);

        var run = Serve(source, (_, _) => Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(source.Offer, received.Offer);
        Assert.Equal(run.TargetPath, received.FilePath);
        Assert.Equal(0, received.RefetchedChunks);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
        Assert.Equal(InFlight, run.MaxOutstanding);
        Assert.All(Enumerable.Range(0, 16), i => Assert.Equal(1, run.Requests[i]));
        AssertStopped(run.Receiver);
    }

    [Fact]
    public void A_damaged_chunk_is_fetched_again_and_the_file_still_completes()
    {
        var source = new Source(_dir, 1_000_000);

        var run = Serve(source, (index, attempt) => index == 5 && attempt == 1 ? Damage.FlipByte : Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(1, received.RefetchedChunks);
        Assert.Equal(2, run.Requests[5]);
        Assert.All(Enumerable.Range(0, 16).Where(i => i != 5), i => Assert.Equal(1, run.Requests[i]));
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
        Assert.True(run.MaxOutstanding <= InFlight);
    }

    [Fact]
    public void A_chunk_of_the_wrong_length_is_fetched_again()
    {
        var source = new Source(_dir, 1_000_000);

        var run = Serve(source, (index, attempt) => index is 0 or 15 && attempt == 1 ? Damage.Truncate : Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(2, received.RefetchedChunks);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
    }

    [Fact]
    public void A_chunk_damaged_up_to_chunk_retries_times_is_still_accepted()
    {
        var source = new Source(_dir, 300_000);

        var run = Serve(source, (index, attempt) => index == 2 && attempt <= Retries ? Damage.FlipByte : Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(Retries, received.RefetchedChunks);
        Assert.Equal(Retries + 1, run.Requests[2]);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
    }

    [Fact]
    public void A_chunk_damaged_more_than_chunk_retries_times_fails_the_transfer()
    {
        var source = new Source(_dir, 1_000_000);

        var run = Serve(source, (index, _) => index == 3 ? Damage.FlipByte : Damage.None);

        var failed = Assert.IsType<TransferFailed>(run.Result);
        Assert.Equal(source.Offer, failed.Offer);
        Assert.Equal($"chunk 3 was damaged {Retries + 1} times", failed.Reason);
        Assert.Equal(Retries + 1, run.Requests[3]);
        AssertStopped(run.Receiver);
    }

    [Fact]
    public void A_file_whose_whole_sha256_does_not_match_fails_the_transfer()
    {
        var source = new Source(_dir, 200_000, wholeSha: Sha("something else"u8));

        var run = Serve(source, (_, _) => Damage.None);

        var failed = Assert.IsType<TransferFailed>(run.Result);
        Assert.Equal("the whole file does not match its SHA-256", failed.Reason);
        AssertStopped(run.Receiver);
    }

    [Fact]
    public void Chunks_of_another_transfer_out_of_range_or_already_received_are_ignored()
    {
        var source = new Source(_dir, 1_000_000);
        var foreign = new Source(_dir, 1_000_000, seed: 1);

        var run = Serve(source, (_, _) => Damage.None,
            beforeServing: receiver =>
            {
                // Damaged, but of another transfer or out of range: not fetched again.
                receiver.Tell(foreign.Chunk(0, Damage.FlipByte), TestActor);
                receiver.Tell(source.Chunk(0, Damage.FlipByte) with { Index = 16 }, TestActor);
                receiver.Tell(source.Chunk(0, Damage.FlipByte) with { Index = -1 }, TestActor);
            },
            // A late, damaged copy of a chunk already written: ignored (the good one stays).
            afterGoodChunk: (receiver, index) => receiver.Tell(source.Chunk(index, Damage.FlipByte), TestActor));

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(0, received.RefetchedChunks);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
    }

    [Fact]
    public void A_window_larger_than_the_file_asks_for_every_chunk_at_once()
    {
        var source = new Source(_dir, 3 * ChunkSize);

        var run = Serve(source, (_, _) => Damage.None, settings: SyncSettings(inFlight: 8));

        Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(3, run.MaxOutstanding);
        Assert.Equal(source.Bytes, File.ReadAllBytes(run.TargetPath));
    }

    [Fact]
    public void An_empty_file_is_received_at_once()
    {
        var source = new Source(_dir, 0);
        Assert.Equal(0, source.Offer.ChunkCount);

        var run = Serve(source, (_, _) => Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Empty(File.ReadAllBytes(received.FilePath));
        Assert.Empty(run.Requests);
    }

    [Fact]
    public void A_file_of_exactly_whole_chunks_has_a_full_last_chunk()
    {
        var source = new Source(_dir, 5 * ChunkSize);

        var run = Serve(source, (index, attempt) => index == 4 && attempt == 1 ? Damage.Truncate : Damage.None);

        var received = Assert.IsType<TransferReceived>(run.Result);
        Assert.Equal(1, received.RefetchedChunks);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
    }

    [Fact]
    public void A_lost_chunk_is_asked_for_again_after_the_chunk_timeout()
    {
        var source = new Source(_dir, 2 * ChunkSize, seed: 7);
        var settings = TestSupport.Settings("""
            config-sync { chunk-size = 64KiB, chunks-in-flight = 2, chunk-retries = 2, chunk-timeout = 200ms }
            """).ConfigSync;
        var parent = CreateTestProbe("lost-parent");
        var master = CreateTestProbe("lost-master");
        var target = Path.Combine(_dir, "transfers", source.Offer.TransferId + ".part");
        parent.ChildActorOf(TransferReceiver.Props(source.Offer, master.Ref, target, settings.Transfer), "lost-receiver");

        Assert.Equal(0, master.ExpectMsg<FetchChunk>(Deadline).Index);
        Assert.Equal(1, master.ExpectMsg<FetchChunk>(Deadline).Index);
        master.Reply(source.Chunk(1));
        // Chunk 0's answer is lost: after the chunk timeout it is asked for again, and only it.
        var again = master.ExpectMsg<FetchChunk>(Deadline);
        Assert.Equal(0, again.Index);
        master.Reply(source.Chunk(0));

        var received = parent.ExpectMsg<TransferReceived>(Deadline);
        Assert.Equal(1, received.RefetchedChunks);
        Assert.Equal(source.Bytes, File.ReadAllBytes(received.FilePath));
    }

    [Fact]
    public void A_master_that_stops_answering_fails_the_transfer_after_the_retries()
    {
        var source = new Source(_dir, ChunkSize, seed: 8);
        var settings = TestSupport.Settings("""
            config-sync { chunk-size = 64KiB, chunks-in-flight = 1, chunk-retries = 2, chunk-timeout = 100ms }
            """).ConfigSync;
        var parent = CreateTestProbe("silent-parent");
        var master = CreateTestProbe("silent-master");
        var target = Path.Combine(_dir, "transfers", source.Offer.TransferId + ".part");
        parent.ChildActorOf(TransferReceiver.Props(source.Offer, master.Ref, target, settings.Transfer), "silent-receiver");

        // The first request and two retries, then the receiver gives up.
        for (var attempt = 0; attempt < 3; attempt++) Assert.Equal(0, master.ExpectMsg<FetchChunk>(Deadline).Index);
        var failed = parent.ExpectMsg<TransferFailed>(Deadline);
        Assert.Contains("no answer for chunk 0", failed.Reason);
        master.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }
}
