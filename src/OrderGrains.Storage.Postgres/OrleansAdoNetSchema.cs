namespace OrderGrains.Storage.Postgres;

/// <summary>
/// The tables and OrleansQuery rows that Orleans' ADO.NET clustering and reminder providers (invariant "Npgsql") need,
/// written for this project from their documented contract: the providers read every statement from OrleansQuery by
/// key, bind the parameters by name (@DeploymentId, @Address, ...) and read the result columns by name. The scripts
/// Orleans publishes are not shipped in its packages.
/// </summary>
/// <remarks>
/// Unquoted names fold to lower case; the providers find columns case-insensitively. The provider reads the query table
/// unqualified ("FROM OrleansQuery"), so its connection sets search_path to our schema; the statements themselves name
/// the schema so they do not depend on it.
/// </remarks>
internal static class OrleansAdoNetSchema
{
    // SiloStatus.Dead: only rows of silos known dead are ever cleaned up.
    private const int DeadStatus = 6;

    /// <summary>DDL, safe to run again; the caller holds the schema's advisory lock.</summary>
    public static string CreateTables(string schema) => $"""
        CREATE TABLE IF NOT EXISTS {schema}.OrleansQuery (
            QueryKey  text NOT NULL PRIMARY KEY,
            QueryText text NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {schema}.OrleansMembershipVersionTable (
            DeploymentId text        NOT NULL PRIMARY KEY,
            Timestamp    timestamptz NOT NULL DEFAULT now(),
            Version      integer     NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS {schema}.OrleansMembershipTable (
            DeploymentId text        NOT NULL REFERENCES {schema}.OrleansMembershipVersionTable (DeploymentId),
            Address      text        NOT NULL,
            Port         integer     NOT NULL,
            Generation   integer     NOT NULL,
            SiloName     text        NOT NULL,
            HostName     text        NOT NULL,
            Status       integer     NOT NULL,
            ProxyPort    integer     NULL,
            SuspectTimes text        NULL,
            StartTime    timestamptz NOT NULL,
            IAmAliveTime timestamptz NOT NULL,
            PRIMARY KEY (DeploymentId, Address, Port, Generation)
        );
        CREATE TABLE IF NOT EXISTS {schema}.OrleansRemindersTable (
            ServiceId    text        NOT NULL,
            GrainId      text        NOT NULL,
            ReminderName text        NOT NULL,
            StartTime    timestamptz NOT NULL,
            Period       bigint      NOT NULL,
            GrainHash    integer     NOT NULL,
            Version      integer     NOT NULL,
            PRIMARY KEY (ServiceId, GrainId, ReminderName)
        );
        CREATE INDEX IF NOT EXISTS orleansreminderstable_by_hash ON {schema}.OrleansRemindersTable (ServiceId, GrainHash);
        """;

    /// <summary>Every query key both providers look up, with our statement for it.</summary>
    public static IReadOnlyList<(string Key, string Text)> Queries(string schema)
    {
        var members = $"{schema}.OrleansMembershipTable";
        var versions = $"{schema}.OrleansMembershipVersionTable";
        var reminders = $"{schema}.OrleansRemindersTable";

        // A membership read returns the table version row even when no silo row matches (StartTime is then null).
        var readMembers = $"""
            SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
                   m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
            FROM {versions} AS v
            LEFT JOIN {members} AS m ON m.DeploymentId = v.DeploymentId
            """;
        const string reminderColumns = "GrainId, ReminderName, StartTime, Period, Version";
        const string siloMatch = "Address = @Address AND Port = @Port AND Generation = @Generation";
        return
        [
            ("MembershipReadAllKey", $"{readMembers} WHERE v.DeploymentId = @DeploymentId"),
            ("MembershipReadRowKey", $"""
                SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
                       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
                FROM {versions} AS v
                LEFT JOIN {members} AS m ON m.DeploymentId = v.DeploymentId
                    AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
                WHERE v.DeploymentId = @DeploymentId
                """),

            // true when this call created the version row.
            ("InsertMembershipVersionKey", $"""
                WITH inserted AS (
                    INSERT INTO {versions} (DeploymentId) VALUES (@DeploymentId)
                    ON CONFLICT (DeploymentId) DO NOTHING
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM inserted)
                """),

            // Optimistic concurrency on the table version: the row goes in only with a version bump from @Version,
            // both or neither; the version row's lock orders concurrent writers.
            ("InsertMembershipKey", $"""
                WITH bumped AS (
                    UPDATE {versions} SET Version = Version + 1, Timestamp = now()
                    WHERE DeploymentId = @DeploymentId AND Version = @Version
                      AND NOT EXISTS (SELECT 1 FROM {members} WHERE DeploymentId = @DeploymentId AND {siloMatch})
                    RETURNING DeploymentId
                ),
                inserted AS (
                    INSERT INTO {members} (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
                    SELECT DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime
                    FROM bumped
                    ON CONFLICT DO NOTHING
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM inserted)
                """),
            ("UpdateMembershipKey", $"""
                WITH bumped AS (
                    UPDATE {versions} SET Version = Version + 1, Timestamp = now()
                    WHERE DeploymentId = @DeploymentId AND Version = @Version
                      AND EXISTS (SELECT 1 FROM {members} WHERE DeploymentId = @DeploymentId AND {siloMatch})
                    RETURNING DeploymentId
                ),
                updated AS (
                    UPDATE {members} AS m SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
                    FROM bumped
                    WHERE m.DeploymentId = bumped.DeploymentId AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM updated)
                """),

            // Heartbeats do not bump the table version (Orleans never checks their outcome).
            ("UpdateIAmAlivetimeKey", $"UPDATE {members} SET IAmAliveTime = @IAmAliveTime WHERE DeploymentId = @DeploymentId AND {siloMatch}"),
            ("GatewaysQueryKey", $"""
                SELECT Address, ProxyPort, Generation FROM {members}
                WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0
                """),
            ("DeleteMembershipTableEntriesKey", $"""
                DELETE FROM {members} WHERE DeploymentId = @DeploymentId;
                DELETE FROM {versions} WHERE DeploymentId = @DeploymentId;
                """),
            ("CleanupDefunctSiloEntriesKey", $"""
                DELETE FROM {members}
                WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status = {DeadStatus}
                """),

            // The provider decides which dead rows are defunct and names each one; only a row still dead is removed.
            ("CleanupDefunctSiloEntryKey", $"DELETE FROM {members} WHERE DeploymentId = @DeploymentId AND {siloMatch} AND Status = {DeadStatus}"),

            ("ReadReminderRowsKey", $"SELECT {reminderColumns} FROM {reminders} WHERE ServiceId = @ServiceId AND GrainId = @GrainId"),
            ("ReadReminderRowKey", $"""
                SELECT {reminderColumns} FROM {reminders}
                WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName
                """),

            // Hashes are bound as signed integers; (begin, end] when begin < end, else the range wraps around.
            ("ReadRangeRows1Key", $"""
                SELECT {reminderColumns} FROM {reminders}
                WHERE ServiceId = @ServiceId AND GrainHash > @BeginHash AND GrainHash <= @EndHash
                """),
            ("ReadRangeRows2Key", $"""
                SELECT {reminderColumns} FROM {reminders}
                WHERE ServiceId = @ServiceId AND (GrainHash > @BeginHash OR GrainHash <= @EndHash)
                """),

            // Returns the new version, which is the reminder's ETag.
            ("UpsertReminderRowKey", $"""
                INSERT INTO {reminders} AS r (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
                VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
                ON CONFLICT (ServiceId, GrainId, ReminderName)
                DO UPDATE SET StartTime = EXCLUDED.StartTime, Period = EXCLUDED.Period, GrainHash = EXCLUDED.GrainHash, Version = r.Version + 1
                RETURNING Version
                """),

            // true when the row at that version existed and is gone.
            ("DeleteReminderRowKey", $"""
                WITH deleted AS (
                    DELETE FROM {reminders}
                    WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName AND Version = @Version
                    RETURNING 1
                )
                SELECT EXISTS (SELECT 1 FROM deleted)
                """),
            ("DeleteReminderRowsKey", $"DELETE FROM {reminders} WHERE ServiceId = @ServiceId"),
        ];
    }
}
