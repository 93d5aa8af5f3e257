using RedundantGateway.Client;

namespace RedundantGateway.Node;

/// <summary>
/// The rgw palettes of the node: each command names the REST route it calls, so the CLI stays a thin renderer of
/// these descriptions (docs/operations.md, "The rgw command line").
/// </summary>
internal static class BuiltInPalettes
{
    public static IReadOnlyList<CliPalette> All { get; } =
    [
        new("redundancy", "the pair's roles, activity and configuration sync",
        [
            new("status", "this node's role, activity level, peer and sync state", "GET", "api/redundancy", []),
            new("failover", "moves the active role to the other node", "POST", "api/redundancy/failover", []),
            new("resync", "forces a full configuration transfer to the backup and follows it until its runtime restarted",
                "POST", "api/redundancy/resync",
                [
                    new("backup", "b", "the backup's web address (host:port) to follow when this node is the master", CliPlaces.Local),
                    new("timeout", "t", "seconds to follow the transfer (default 120)", CliPlaces.Local, Default: "120"),
                ],
                new CliOutput(Watch: "api/redundancy"), CliModes.Transfer),
        ]),
        new("events", "the redundancy events log",
        [
            new("list", "the recent events, newest first", "GET", "api/redundancy/events", EventArguments(),
                new CliOutput(Items: "", Columns: EventColumns)),
            new("tail", "prints new events as they happen, until Ctrl+C", "GET", "api/redundancy/events",
                [new("limit", "n", "events shown at start (default 10)", CliPlaces.Query, Default: "10")],
                new CliOutput(Items: "", Columns: EventColumns, Key: "time,kind,epoch,reason"), CliModes.Poll),
        ]),
        new("cluster", "the Akka cluster the pair's nodes form",
        [
            new("show", "one line per member: address, roles, status, reachability, activity level, version", "GET", "api/cluster/members", [],
                new CliOutput(Items: "members", Columns: ["address", "roles", "status", "reachability", "activityLevel", "version"], CountLabel: "members")),
        ]),
        new("config", "the replicated configuration (edits on the master only)",
        [
            new("get", "one resource, or the whole configuration without a path", "GET", "api/config/{path?}",
                [new("path", "p", "the resource path, e.g. tags/plant/flow", CliPlaces.Route, Positional: true)]),
            new("set", "writes a resource (any JSON value; a bare word is a string)", "PUT", "api/config/{path}",
                [
                    new("path", "p", "the resource path", CliPlaces.Route, Required: true, Positional: true),
                    new("value", "v", "the JSON value", CliPlaces.Json, Required: true, Positional: true),
                ]),
            new("delete", "deletes a resource", "DELETE", "api/config/{path}",
                [new("path", "p", "the resource path", CliPlaces.Route, Required: true, Positional: true)]),
            new("history", "the configuration changes this node applied", "GET", "api/redundancy/config-changes",
                [
                    new("after", "a", "only changes after this revision", CliPlaces.Query),
                    new("limit", "n", "at most this many changes", CliPlaces.Query),
                ],
                new CliOutput(Items: "", Columns: ["revision", "operation", "path", "appliedAt", "lagMs"])),
        ]),
        new("tags", "current tag values",
        [
            new("get", "the tags under a prefix, or one tag by its path", "GET", "api/tags/{path?}",
                [
                    new("path", null, "one tag's path", CliPlaces.Route, Positional: true),
                    new("prefix", "p", "only the tags under this prefix", CliPlaces.Query),
                ],
                new CliOutput(Items: "tags", Columns: ["path", "value", "quality", "t"], CountLabel: "tags")),
            new("watch", "prints tag changes as they happen, until Ctrl+C", "GET", "api/tags/stream",
                [
                    new("prefix", "p", "only the tags under this prefix", CliPlaces.Query),
                    new("paths", null, "only these tags (comma separated)", CliPlaces.Query),
                ],
                new CliOutput(Columns: ["path", "value", "quality", "t"]), CliModes.Stream),
        ]),
        new("alarms", "alarms: list, acknowledge, shelve (actions on the active node)",
        [
            new("list", "the alarms, filtered by state, priority and id prefix", "GET", "api/alarms",
                [
                    new("state", "s", "active or clear", CliPlaces.Query),
                    new("priority", "p", "low, medium, high or critical", CliPlaces.Query),
                    new("prefix", null, "only the alarms whose id starts so", CliPlaces.Query),
                ],
                new CliOutput(Items: "alarms", Columns: ["id", "priority", "state", "acked", "shelved", "activeSince", "value"], CountLabel: "alarms")),
            new("ack", "acknowledges an alarm", "POST", "api/alarms/{id}/ack",
                [
                    new("id", null, "the alarm's id", CliPlaces.Route, Required: true, Positional: true),
                    new("by", "b", "who acknowledges (default: rgw)", CliPlaces.Body, Default: "rgw"),
                    new("note", null, "a note kept with the acknowledgement", CliPlaces.Body),
                ]),
            new("shelve", "shelves an alarm for some minutes", "POST", "api/alarms/{id}/shelve",
                [
                    new("id", null, "the alarm's id", CliPlaces.Route, Required: true, Positional: true),
                    new("minutes", "m", "how long (default 60)", CliPlaces.Body, Default: "60", Type: CliValueTypes.Number),
                    new("by", "b", "who shelves (default: rgw)", CliPlaces.Body, Default: "rgw"),
                ]),
            new("unshelve", "ends an alarm's shelving", "POST", "api/alarms/{id}/unshelve",
                [
                    new("id", null, "the alarm's id", CliPlaces.Route, Required: true, Positional: true),
                    new("by", "b", "who unshelves (default: rgw)", CliPlaces.Body, Default: "rgw"),
                ]),
        ]),
        new("history", "the historian's store-and-forward cache and its quarantine",
        [
            new("stats", "the cache: state, rows and bytes not yet stored, oldest age, forward rate, quarantined, written, duplicates",
                "GET", GatewayRoutes.HistoryStats, []),
            new("quarantine", "the samples the history database refused, with their reasons", "GET", GatewayRoutes.HistoryQuarantine, [],
                new CliOutput(Items: "samples", Columns: ["id", "at", "tag", "reason"], CountLabel: "quarantined samples")),
            new("retry", "puts every quarantined sample back in the cache to be written again", "POST", GatewayRoutes.HistoryQuarantineRetry, []),
        ]),
    ];

    // A property, not a field: All is initialised first, and a field declared after it would still be null then.
    private static IReadOnlyList<string> EventColumns => ["time", "kind", "level", "epoch", "reason"];

    // before and text search come with the REST completion (issue 13): a node that does not know them ignores them.
    private static IReadOnlyList<CliArgument> EventArguments() =>
    [
        new("limit", "n", "at most this many events (node default 100)", CliPlaces.Query),
        new("before", "b", "only events before this time", CliPlaces.Query),
        new("text", "q", "only events whose text contains this", CliPlaces.Query, Field: "q"),
    ];
}
