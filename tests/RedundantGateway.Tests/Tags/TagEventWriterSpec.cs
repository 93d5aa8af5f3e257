using System.Buffers;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;
using RedundantGateway.Node;
using RedundantGateway.Tags;
using Xunit;

namespace RedundantGateway.Tests.Tags;

/// <summary>
/// The stream's hand-written <c>change</c> event is byte for byte what serializing the contract's <see cref="TagInfo"/>
/// gives, for every kind of value a tag holds, so that clients reading either way see one contract.
/// </summary>
public sealed class TagEventWriterSpec
{
    public static TheoryData<object?, TagQuality, string?> Values => new()
    {
        { 1.5, TagQuality.Good, null },
        { 0.1 + 0.2, TagQuality.Good, null },
        { -1e-300, TagQuality.Uncertain, null },
        { 42L, TagQuality.Good, null },
        { 7, TagQuality.Good, null },
        { true, TagQuality.Good, null },
        { "running \"fast\" <ok> é", TagQuality.Good, null },
        { null, TagQuality.Bad, "provider 'simulator' is disconnected" },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void A_change_event_carries_the_same_json_as_the_contract_record(object? value, TagQuality quality, string? reason)
    {
        var change = new TagValue("projects/demo/tags/line1/é speed", value, quality,
            new DateTimeOffset(2026, 12, 2, 5, 0, 0, 250, TimeSpan.FromHours(1)).AddTicks(1234), reason);

        var written = Write(w => w.WriteChange(change));

        var expected = $"event: change\ndata: {JsonSerializer.Serialize(TagsApi.ToInfo(change), ContractJson.Options)}\n\n";
        Assert.Equal(expected, written);
    }

    [Fact]
    public void Events_follow_each_other_each_ended_by_a_blank_line()
    {
        var t = new DateTimeOffset(2026, 12, 2, 5, 0, 0, TimeSpan.Zero);
        var written = Write(w =>
        {
            w.WriteEvent("level", new TagStreamLevel("active"));
            w.WriteChange(new TagValue("a", 1.0, TagQuality.Good, t));
            w.WriteChange(new TagValue("b", 2.0, TagQuality.Good, t));
        });

        Assert.Equal(
            "event: level\ndata: {\"activityLevel\":\"active\"}\n\n"
            + "event: change\ndata: {\"path\":\"a\",\"value\":1,\"quality\":\"good\",\"t\":\"2026-12-02T05:00:00Z\"}\n\n"
            + "event: change\ndata: {\"path\":\"b\",\"value\":2,\"quality\":\"good\",\"t\":\"2026-12-02T05:00:00Z\"}\n\n",
            written);
    }

    private static string Write(Action<TagEventWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        using (var writer = new TagEventWriter(output)) write(writer);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
