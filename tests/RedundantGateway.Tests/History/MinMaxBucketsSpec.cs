using RedundantGateway.History;
using Xunit;

namespace RedundantGateway.Tests.History;

public sealed class MinMaxBucketsSpec
{
    private static SampleColumns Number(long micros, double value) => new(micros, StoredValueType.Double, value, null, null, 0, "master", 1);
    private static SampleColumns Text(long micros) => new(micros, StoredValueType.String, null, null, "x", 0, "master", 1);

    private static List<(long, double?)> Reduce(IEnumerable<SampleColumns> rows, long from, long to, int maxPoints)
    {
        var buckets = new MinMaxBuckets(from, to, maxPoints);
        foreach (var row in rows) buckets.Add(row);
        return buckets.Finish().Select(r => (r.Micros, r.Plotted)).ToList();
    }

    [Fact]
    public void Each_bucket_keeps_its_lowest_and_highest_sample_in_time_order()
    {
        // [0, 99] in 2 buckets (maxPoints 4): [0, 49] and [50, 99].
        var rows = new[] { Number(0, 5), Number(10, 9), Number(20, 1), Number(49, 4), Number(50, 3), Number(60, -2), Number(99, 7) };

        Assert.Equal([(10, 9.0), (20, 1.0), (60, -2.0), (99, 7.0)], Reduce(rows, 0, 99, 4));
    }

    [Fact]
    public void A_bucket_without_numbers_keeps_its_first_sample_one_value_is_kept_once_and_empty_buckets_give_nothing()
    {
        var rows = new[] { Text(0), Text(5), Number(75, 2) };

        // 4 buckets of 25 (maxPoints 8): text in the first, nothing in the next two, one number in the last.
        Assert.Equal([(0, null), (75, 2.0)], Reduce(rows, 0, 99, 8));
    }

    [Fact]
    public void At_most_max_points_come_out_and_one_point_is_the_highest()
    {
        var rows = Enumerable.Range(0, 10_000).Select(i => Number(i, Math.Sin(i / 100.0) + (i == 4321 ? 5 : 0))).ToList();

        Assert.InRange(Reduce(rows, 0, 9_999, 101).Count, 1, 101);
        Assert.Equal([(4321, Math.Sin(43.21) + 5)], Reduce(rows, 0, 9_999, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MinMaxBuckets(0, 10, 0));
    }
}
