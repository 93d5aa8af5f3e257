using System.Security.Cryptography;
using System.Text;
using Akka.Configuration;

namespace RedundantGateway.Configuration;

/// <summary>
/// Who may act through the web surface (<c>redundant-gateway.api</c>): the API token that actions and edits need,
/// and whether reads need it too. The token is a secret: it is never part of <see cref="ToString"/>, so a settings
/// record written to a log shows only whether one is set.
/// </summary>
/// <param name="Token">the token requests must carry; null: none configured (everything is open, as before).</param>
/// <param name="ProtectReads">reads (GET under /api, /metrics, the hub's stream) need the token too.</param>
public sealed record ApiSettings(string? Token, bool ProtectReads)
{
    public static readonly ApiSettings Open = new(null, false);

    /// <summary>Whether a token is configured at all.</summary>
    public bool HasToken => Token is not null;

    /// <summary>Reads the <c>api</c> keys of a node's configuration (merged over the embedded defaults).</summary>
    public static ApiSettings Create(Config config) =>
        Create(SettingsReader.ForGateway(config, "configuration").Section("api"));

    /// <summary>
    /// Reads the <c>api</c> section: <c>token</c>, or <c>token-file</c> (the first line of that file); both set, or a
    /// token file that cannot be read or is empty, is one line naming the key (the token itself is never in it).
    /// </summary>
    public static ApiSettings Create(SettingsReader api)
    {
        var token = api.String("token").Trim();
        var file = api.String("token-file").Trim();
        if (token.Length > 0 && file.Length > 0)
            throw api.Error("token-file", "set either token or token-file, not both");
        if (file.Length > 0) token = ReadTokenFile(api, file);
        return new ApiSettings(token.Length == 0 ? null : token, api.Bool("protect-reads"));
    }

    private static string ReadTokenFile(SettingsReader api, string file)
    {
        string firstLine;
        try
        {
            using var reader = new StreamReader(file, Encoding.UTF8);
            firstLine = reader.ReadLine() ?? "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw api.Error("token-file", $"cannot read '{file}': {e.Message.Split('\n', 2)[0].Trim()}");
        }
        var token = firstLine.Trim();
        if (token.Length == 0) throw api.Error("token-file", $"'{file}' is empty: its first line must be the token");
        return token;
    }

    /// <summary>
    /// Whether <paramref name="presented"/> is the token, compared in constant time (for equal lengths: the time does
    /// not tell how many leading characters matched). With no token configured, everything is allowed.
    /// </summary>
    public bool Allows(string? presented)
    {
        if (Token is null) return true;
        if (presented is null) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Token));
    }

    /// <summary>Never the token: only whether one is set.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Token = {(Token is null ? "(none)" : "(set)")}, ProtectReads = {ProtectReads}");
        return true;
    }
}
