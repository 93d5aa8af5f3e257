using System.Text.Json.Serialization;

namespace RedundantGateway.Client;

// The records of /api/config. Values are JSON text (canonical, compact, as the store keeps them), written raw.

/// <summary>GET /api/config: the whole configuration.</summary>
/// <param name="Resources">path to the value's JSON text.</param>
public sealed record ConfigSnapshot(
    string? Identity,
    long Revision,
    string Digest,
    int Count,
    [property: JsonConverter(typeof(RawJsonMapConverter))] IReadOnlyDictionary<string, string> Resources);

/// <summary>GET /api/config/{path}: one resource, at the configuration's current revision.</summary>
/// <param name="Value">the value's JSON text.</param>
public sealed record ConfigResource(string Path, long Revision, [property: JsonConverter(typeof(RawJsonConverter))] string Value);

/// <summary>PUT or DELETE /api/config/{path}: the edit is written, as <paramref name="Revision"/>.</summary>
public sealed record ConfigEditAnswer(string Path, long Revision, string Message);
