using Akka.Configuration.Hocon;

namespace RedundantGateway.Configuration;

/// <summary>
/// Akka's HOCON parser accepts an unclosed object or array, a stray closer, or a key without a value,
/// and silently drops what it cannot read. An operator's typo must stop the node instead, so the text
/// is checked first for balanced brackets, and the parsed tree for keys without values.
/// </summary>
internal static class HoconSyntaxCheck
{
    /// <summary>The first problem and its line, or null when the brackets and strings are well formed.</summary>
    public static (int Line, string What)? FindBracketProblem(string text)
    {
        var open = new Stack<(char Bracket, int Line)>();
        var line = 1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '\n':
                    line++;
                    break;
                case '#':
                case '/' when i + 1 < text.Length && text[i + 1] == '/':
                    while (i + 1 < text.Length && text[i + 1] != '\n') i++;
                    break;
                case '"':
                    i = SkipString(text, i, ref line);
                    if (i < 0) return (line, $"a string is never closed");
                    break;
                case '$' when i + 1 < text.Length && text[i + 1] == '{':
                    var close = text.IndexOf('}', i);
                    if (close < 0) return (line, $"a substitution ${{...}} is never closed");
                    i = close;
                    break;
                case '{' or '[':
                    open.Push((c, line));
                    break;
                case '}' or ']':
                    var expected = c == '}' ? '{' : '[';
                    if (open.Count == 0) return (line, $"unexpected '{c}'");
                    var (bracket, openedAt) = open.Pop();
                    if (bracket != expected) return (line, $"'{c}' closes the '{bracket}' opened at line {openedAt}");
                    break;
            }
        }
        return open.Count > 0 ? (open.Peek().Line, $"'{open.Peek().Bracket}' is never closed") : null;
    }

    /// <summary>Dotted paths of keys that have no value, as the parser leaves them.</summary>
    public static IEnumerable<string> KeysWithoutValue(HoconValue value, string path = "")
    {
        if (value.Values.Count == 0)
        {
            if (path.Length > 0) yield return path;
            yield break;
        }
        // Only literal objects are walked: resolving a substitution here (${?VAR}) could recurse without end.
        foreach (var obj in value.Values.OfType<HoconObject>())
            foreach (var (key, child) in obj.Items)
                foreach (var missing in KeysWithoutValue(child, path.Length == 0 ? key : $"{path}.{key}"))
                    yield return missing;
    }

    /// <summary>
    /// A line holding only a key (no separator, no value, no object opening on it or the next line):
    /// the parser would glue it to the next key and lose both silently.
    /// </summary>
    public static (int Line, string What)? FindBareKey(string text)
    {
        var lines = text.Split('\n').Select(StripComment).ToArray();
        var inTripleQuotes = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var quotes = CountOccurrences(lines[i], "\"\"\"");
            var wasInside = inTripleQuotes;
            if (quotes % 2 == 1) inTripleQuotes = !inTripleQuotes;
            if (wasInside || quotes > 0) continue;
            if (line.Length == 0 || !BareKey.IsMatch(line) || line == "include") continue;
            var next = lines.Skip(i + 1).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
            if (next is not null && next.StartsWith('{')) continue;
            return (i + 1, $"'{line}' has no value");
        }
        return null;
    }

    private static readonly System.Text.RegularExpressions.Regex BareKey = new(@"^[A-Za-z0-9_\-.""]+$");

    private static int CountOccurrences(string text, string what)
    {
        var count = 0;
        for (var i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static string StripComment(string line)
    {
        var hash = line.IndexOf('#');
        var slashes = line.IndexOf("//", StringComparison.Ordinal);
        var cut = new[] { hash, slashes }.Where(i => i >= 0).DefaultIfEmpty(line.Length).Min();
        return line[..cut];
    }

    /// <summary>The line where <paramref name="key"/> (its last segment) first appears, or null.</summary>
    public static int? LineOf(string text, string key)
    {
        var name = key.Split('.')[^1];
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].Contains(name, StringComparison.Ordinal)) return i + 1;
        return null;
    }

    private static int SkipString(string text, int start, ref int line)
    {
        if (string.CompareOrdinal(text, start, "\"\"\"", 0, 3) == 0)
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            if (end < 0) return -1;
            line += text.AsSpan(start, end - start).Count('\n');
            return end + 2;
        }
        for (var i = start + 1; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == '"') return i;
            if (text[i] == '\n') return -1;
        }
        return -1;
    }
}
