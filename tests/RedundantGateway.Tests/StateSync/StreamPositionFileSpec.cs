using RedundantGateway.StateSync;
using Xunit;

namespace RedundantGateway.Tests.StateSync;

/// <summary>
/// Issue 11, durable streams: the stored stream positions survive a restart, and a write cut short leaves an older
/// position (safe: the peer sends a little more), never a made-up one.
/// </summary>
public sealed class StreamPositionFileSpec : IDisposable
{
    private readonly string _dir = TestSupport.TempDir();

    public void Dispose() => TestSupport.DeleteQuietly(_dir);

    private static StreamPositions Positions(long held, long acked) =>
        new(new ReceivingState(Guid.NewGuid(), held), new SentPosition(Guid.NewGuid(), acked, new HybridTimestamp(1_700_000_000_000 + acked, 7, 2)));

    private string FilePath => Path.Combine(_dir, StreamPositionFile.FileName);

    [Fact]
    public void The_last_positions_written_are_read_back_after_a_restart()
    {
        var (file, none, problem) = StreamPositionFile.Open(_dir);
        Assert.Equal((StreamPositions.None, (string?)null), (none, problem));
        var last = Positions(9, 4) with { Sent = null };
        using (file)
        {
            file.Write(Positions(7, 3));
            file.Write(Positions(8, 3));
            file.Write(last);
        }

        var (again, read, _) = StreamPositionFile.Open(_dir);
        var newest = Positions(10, 5);
        using (again)
        {
            Assert.Equal(last, read);
            again.Write(newest);   // the generation goes on: the next load still takes the newest
        }
        var (third, readAgain, _) = StreamPositionFile.Open(_dir);
        third.Dispose();
        Assert.Equal(newest, readAgain);
    }

    [Fact]
    public void A_damaged_newest_slot_gives_the_older_position_and_a_file_without_any_gives_none_with_a_reason()
    {
        var older = Positions(5, 2);
        using (var file = StreamPositionFile.Open(_dir).File)
        {
            file.Write(older);
            file.Write(Positions(6, 3));
        }
        var bytes = File.ReadAllBytes(FilePath);
        bytes[0] ^= 0xFF;   // the second write went to the first slot
        File.WriteAllBytes(FilePath, bytes);

        var (damaged, read, _) = StreamPositionFile.Open(_dir);
        damaged.Dispose();
        Assert.Equal(older, read);

        File.WriteAllBytes(FilePath, new byte[50]);
        var (torn, none, problem) = StreamPositionFile.Open(_dir);
        torn.Dispose();
        Assert.Equal(StreamPositions.None, none);
        Assert.Contains("no whole position", problem);
    }
}
