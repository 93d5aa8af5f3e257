namespace RedundantGateway.Node;

internal static class Usage
{
    public const string Text = """
        usage: RedundantGateway.Node [--config FILE]... [--start-over]
               RedundantGateway.Node export --config FILE... --out ARCHIVE.zip
               RedundantGateway.Node import --config FILE... --in ARCHIVE.zip
               RedundantGateway.Node pair [--master FILE] [--backup FILE]
          several --config files merge, later ones winning (e.g. a node's file, then hocon/fast-failover.hocon)
          --start-over   (master) keep this node's configuration even when the backup holds a newer one of the
                         same system, or this store is empty; the backup keeps a copy in config-saved/
          export         writes the stopped node's configuration and modules to an archive (exit 0)
          import         replaces the stopped node's configuration and modules with an archive's (a full-transfer
                         archive, an export or a config-saved/ copy); the archive is checked before anything changes
        see docs/operations.md
        """;
}
