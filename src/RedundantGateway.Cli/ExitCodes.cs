namespace RedundantGateway.Cli;

/// <summary>rgw's exit codes (docs/operations.md): scripts tell a refusal from a typo and from a node that is gone.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The node answered with an error (4xx, 5xx) or refused the action.</summary>
    public const int Failed = 1;
    /// <summary>Bad usage: unknown palette, command or argument, a missing argument.</summary>
    public const int Usage = 2;
    /// <summary>The node could not be reached (refused, timed out, not a node).</summary>
    public const int Unreachable = 3;
}

/// <summary>A failure that ends a command with one line and an exit code.</summary>
public sealed class CliFailure(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
