using System.Buffers;
using System.Text;
using System.Text.Json;
using RedundantGateway.Client;
using RedundantGateway.Tags;

namespace RedundantGateway.Node;

/// <summary>
/// Writes Server-Sent Events of /api/tags/stream as UTF-8 straight into the response's buffer. A <c>change</c> is
/// the hot path (up to 100,000 a second to one client): it is written field by field with one
/// <see cref="Utf8JsonWriter"/>, the same JSON the contract's <see cref="TagInfo"/> serializes to
/// (<c>TagEventWriterSpec</c> pins that), without the <see cref="JsonElement"/> and the string per event that
/// serializing a <see cref="TagInfo"/> costs. The rare events (snapshot, level, end) go through the serializer.
/// </summary>
internal sealed class TagEventWriter(IBufferWriter<byte> output) : IDisposable
{
    private static readonly byte[] ChangePrefix = "event: change\ndata: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly JsonEncodedText PathName = JsonEncodedText.Encode("path");
    private static readonly JsonEncodedText ValueName = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText QualityName = JsonEncodedText.Encode("quality");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("t");
    private static readonly JsonEncodedText ReasonName = JsonEncodedText.Encode("reason");

    private readonly Utf8JsonWriter _json = new(output);

    public void WriteChange(TagValue change)
    {
        output.Write(ChangePrefix);
        _json.Reset(output);
        _json.WriteStartObject();
        _json.WriteString(PathName, change.Path);
        _json.WritePropertyName(ValueName);
        WriteValue(change.Value);
        _json.WriteString(QualityName, QualityText(change.Quality));
        _json.WriteString(TimeName, change.Timestamp.UtcDateTime);
        if (change.Reason is { } reason) _json.WriteString(ReasonName, reason);
        _json.WriteEndObject();
        _json.Flush();
        output.Write(EventEnd);
    }

    /// <summary>Any event through the contract's serializer (snapshot, level, end: one per stream or per level change).</summary>
    public void WriteEvent<T>(string name, T data)
    {
        output.Write(Encoding.UTF8.GetBytes($"event: {name}\ndata: "));
        _json.Reset(output);
        JsonSerializer.Serialize(_json, data, ContractJson.Options);
        _json.Flush();
        output.Write(EventEnd);
    }

    private void WriteValue(object? value)
    {
        switch (value)
        {
            case null: _json.WriteNullValue(); break;
            case double d: _json.WriteNumberValue(d); break;
            case long l: _json.WriteNumberValue(l); break;
            case int i: _json.WriteNumberValue(i); break;
            case bool b: _json.WriteBooleanValue(b); break;
            case string s: _json.WriteStringValue(s); break;
            default: JsonSerializer.Serialize(_json, value, value.GetType(), ContractJson.Options); break;
        }
    }

    private static string QualityText(TagQuality quality) => quality switch
    {
        TagQuality.Good => "good",
        TagQuality.Bad => "bad",
        TagQuality.Uncertain => "uncertain",
        _ => quality.ToString().ToLowerInvariant(),
    };

    public void Dispose() => _json.Dispose();
}
