using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedundantGateway.Client;

/// <summary>
/// The JSON settings of the REST contract. The node writes its answers with these and the client reads them
/// with these, so both sides agree by construction (camelCase names, nulls written, web number handling).
/// </summary>
public static class ContractJson
{
    /// <summary>Shared and read-only: the serializer caches its metadata per options instance.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>
/// A string that holds JSON text: written as that JSON value, read back as the value's text. Configuration
/// values are stored as canonical JSON text; writing them raw keeps the bytes the store has, and reading them
/// as text lets callers compare values without a JSON model.
/// </summary>
public sealed class RawJsonConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return value.RootElement.GetRawText();
    }

    // The store validated and canonicalized the text when it took the edit: no second validation on every read.
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value, skipInputValidation: true);
}

/// <summary>A map of path to JSON text (see <see cref="RawJsonConverter"/>), in the order the map enumerates.</summary>
public sealed class RawJsonMapConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("expected an object of JSON values");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            using var value = JsonDocument.ParseValue(ref reader);
            map[name] = value.RootElement.GetRawText();
        }
        return map;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (path, json) in value)
        {
            writer.WritePropertyName(path);
            writer.WriteRawValue(json, skipInputValidation: true);
        }
        writer.WriteEndObject();
    }
}
