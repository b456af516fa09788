using Microsoft.Extensions.DependencyInjection;

namespace OrderGrains.Storage.Sqlite;

/// <summary>Registers OrderGrains' SQLite reminders in an Orleans silo.</summary>
public static class SqliteSiloBuilderExtensions
{
    /// <summary>
    /// Orleans reminders kept in the SQLite file of <paramref name="options"/> (<see cref="SqliteReminderTable"/>): durable
    /// across restarts. Reminders of a database written by the home-made runtime are moved into it at start.
    /// </summary>
    public static ISiloBuilder UseOrderGrainsSqliteReminders(this ISiloBuilder builder, SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.AddReminders();
        builder.Services.AddSingleton(_ => new SqliteReminderTable(options));
        builder.Services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<SqliteReminderTable>());
        return builder;
    }
}
