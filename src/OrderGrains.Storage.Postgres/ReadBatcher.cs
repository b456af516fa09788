using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace OrderGrains.Storage.Postgres;

/// <summary>
/// Coalesces concurrent state reads into one statement per batch. Every new grain activation reads its state (in a
/// flash sale: each new order and each first-time customer), and one round trip per read cost the node more CPU
/// than the reads themselves. A few loops each take whatever reads are waiting (up to a batch size) and run one
/// <c>unnest</c> join for them; a lone read still goes at once, so batching adds no waiting window.
/// </summary>
/// <remarks>
/// A read issued after a write completed is a later statement than that write's commit, so it sees it: batching
/// changes nothing about read-your-writes. A failed statement fails every read in its batch.
/// </remarks>
internal sealed class ReadBatcher : IAsyncDisposable
{
    private readonly Channel<PendingRead> _pending = Channel.CreateUnbounded<PendingRead>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _sql;
    private readonly int _maxBatchSize;
    private readonly Task[] _loops;
    private long _batches;
    private long _reads;

    public ReadBatcher(NpgsqlDataSource dataSource, string table, int loops, int maxBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(loops);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatchSize);
        _dataSource = dataSource;
        _maxBatchSize = maxBatchSize;
        // The ordinality (1-based) names the read a row answers; keys without a row are missing records.
        _sql = $"""
            SELECT i.o, g.version, g.record_exists, g.payload
            FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i (t, k, n, o)
            JOIN {table} AS g ON g.grain_type = i.t AND g.grain_key = i.k AND g.state_name = i.n
            """;
        _loops = new Task[loops];
        for (var i = 0; i < loops; i++)
        {
            _loops[i] = Task.Run(LoopAsync);
        }
    }

    /// <summary>Statements run so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Reads answered by those statements.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public Task<GrainStateRecord> ReadAsync(GrainStateKey key, CancellationToken cancellationToken)
    {
        var read = new PendingRead(key, cancellationToken);
        if (!_pending.Writer.TryWrite(read))
        {
            throw new ObjectDisposedException(nameof(PostgresStateStore), "The storage is closed.");
        }

        return read.Result.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<PendingRead>(_maxBatchSize);
        var types = new List<string>(_maxBatchSize);
        var keys = new List<string>(_maxBatchSize);
        var names = new List<string>(_maxBatchSize);
        while (await _pending.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && _pending.Reader.TryRead(out var read))
            {
                if (read.Cancellation.IsCancellationRequested)
                {
                    read.Result.TrySetCanceled(read.Cancellation);
                    continue;
                }

                batch.Add(read);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            types.Clear();
            keys.Clear();
            names.Clear();
            foreach (var read in batch)
            {
                types.Add(read.Key.GrainType);
                keys.Add(read.Key.GrainKey);
                names.Add(read.Key.StateName);
            }

            try
            {
                var found = new GrainStateRecord?[batch.Count];
                await using (var command = _dataSource.CreateCommand(_sql))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    command.Parameters.Add(new NpgsqlParameter { Value = names, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                    await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                    while (await reader.ReadAsync().ConfigureAwait(false))
                    {
                        var index = (int)reader.GetInt64(0) - 1;
                        found[index] = new GrainStateRecord(
                            reader.GetFieldValue<byte[]>(3),
                            reader.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                            reader.GetBoolean(2));
                    }
                }

                Interlocked.Increment(ref _batches);
                Interlocked.Add(ref _reads, batch.Count);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Result.TrySetResult(found[i] ?? GrainStateRecord.Missing);
                }
            }
            catch (Exception exception)
            {
                foreach (var read in batch)
                {
                    read.Result.TrySetException(exception);
                }
            }
        }
    }

    private sealed class PendingRead(GrainStateKey key, CancellationToken cancellation)
    {
        public GrainStateKey Key { get; } = key;

        public CancellationToken Cancellation { get; } = cancellation;

        public TaskCompletionSource<GrainStateRecord> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
