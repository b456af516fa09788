using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrderGrains.Storage.Postgres;

/// <summary>Orleans' ADO.NET clustering and our batched reminder table on OrderGrains' PostgreSQL schema.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// ADO.NET membership in <see cref="PostgresStorageOptions.Schema"/>. Its tables and OrleansQuery rows are created
    /// (idempotently, under the schema's advisory lock) before the silo's membership starts.
    /// </summary>
    public static ISiloBuilder UseOrderGrainsPostgresClustering(this ISiloBuilder builder, PostgresStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new PostgresSchemaStartup(options, migrateReminders: false, sp.GetRequiredService<IOptions<ClusterOptions>>(), sp.GetRequiredService<ILogger<PostgresSchemaStartup>>()));
        var connectionString = options.OrleansConnectionString;
        return builder.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>
    /// Orleans reminders in <see cref="PostgresStorageOptions.Schema"/>'s <c>OrleansRemindersTable</c>, through our
    /// <see cref="PostgresReminderTable"/> (changes group-committed, not one commit each as with Reminders.AdoNet). Before
    /// the reminder service starts, the schema is created if missing and the reminders of the home-made runtime's
    /// table are moved into it.
    /// </summary>
    public static ISiloBuilder UseOrderGrainsPostgresReminders(this ISiloBuilder builder, PostgresStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        _ = options.QuotedSchema;
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp =>
            new PostgresSchemaStartup(options, migrateReminders: true, sp.GetRequiredService<IOptions<ClusterOptions>>(), sp.GetRequiredService<ILogger<PostgresSchemaStartup>>()));
        builder.AddReminders();
        builder.Services.AddSingleton(sp => new PostgresReminderTable(options, sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        builder.Services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<PostgresReminderTable>());
        return builder;
    }
}

/// <summary>Creates the schema (and moves old reminders) at the very first stage of the silo's start.</summary>
internal sealed partial class PostgresSchemaStartup(
    PostgresStorageOptions options,
    bool migrateReminders,
    IOptions<ClusterOptions> cluster,
    ILogger<PostgresSchemaStartup> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaStartup), ServiceLifecycleStage.First, StartAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var schema = options.QuotedSchema;
        await using var dataSource = options.CreateDataSource();
        await PostgresSchema.EnsureCreatedAsync(dataSource, schema, cancellationToken).ConfigureAwait(false);
        if (migrateReminders)
        {
            var moved = await PostgresSchema.MigrateRuntimeRemindersAsync(dataSource, schema, cluster.Value.ServiceId, cancellationToken).ConfigureAwait(false);
            if (moved > 0)
            {
                LogRemindersMigrated(logger, moved, schema, cluster.Value.ServiceId);
            }
        }
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Moved {Count} reminders of the previous runtime in schema {Schema} into Orleans' reminder table (service {ServiceId})")]
    private static partial void LogRemindersMigrated(ILogger logger, int count, string schema, string serviceId);
}
