namespace TokenClean.Scoring.Kernels;

/// <summary>
/// The threads that run the C# CPU kernels' work items: the calling thread plus a few dedicated background threads,
/// never the .NET thread pool. <see cref="Parallel.For(int, int, Action{int})"/> waits until every replica task it
/// queued has run, even one that finds no work left, so its caller depends on a free pool thread; a service whose
/// pool threads block (actors, Kafka handlers, a test's racing loops) starved it, and scoring calls stalled for
/// minutes. Here the caller only ever waits for items that a running thread has already claimed: a helper that never
/// gets the CPU costs nothing, because the caller claims what the helper did not.
/// </summary>
internal static class KernelThreads
{
    private static readonly Lock Gate = new();
    private static readonly Queue<Job> Pending = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static int _started;

    /// <summary>
    /// Runs <paramref name="body"/>(item, participant) for every item in [0, <paramref name="count"/>), on at most
    /// <paramref name="threads"/> threads at once, the caller among them; participant is in [0, threads) and no two
    /// running bodies share one, so it can index per-thread scratch. Returns when every item has run; rethrows the
    /// first exception a body threw (the other items still run).
    /// </summary>
    public static void For(int count, int threads, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var job = new Job(count, body);
        var helpers = Math.Min(threads, count) - 1;
        if (helpers > 0)
        {
            EnsureStarted(helpers);
            lock (Gate)
            {
                for (var i = 0; i < helpers; i++)
                {
                    Pending.Enqueue(job);
                }
            }

            Wake.Release(helpers);
        }

        job.Work();
        job.WaitForClaimedItems();
        if (job.Failure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }

    private static void EnsureStarted(int helpers)
    {
        while (true)
        {
            var started = Volatile.Read(ref _started);
            if (started >= helpers)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _started, started + 1, started) == started)
            {
                new Thread(Serve) { IsBackground = true, Name = $"tokenclean kernel {started + 1}" }.Start();
            }
        }
    }

    private static void Serve()
    {
        while (true)
        {
            Wake.Wait();
            Job? job;
            lock (Gate)
            {
                Pending.TryDequeue(out job);
            }

            job?.Work();
        }
    }

    private sealed class Job(int count, Action<int, int> body)
    {
        private readonly ManualResetEventSlim _allDone = new(count == 0);
        private int _nextItem;
        private int _doneItems;
        private int _participants;
        private Exception? _failure;

        public Exception? Failure => Volatile.Read(ref _failure);

        /// <summary>Claims and runs items until none is left; a late helper claims nothing and returns.</summary>
        public void Work()
        {
            if (Volatile.Read(ref _nextItem) >= count)
            {
                return;
            }

            var participant = Interlocked.Increment(ref _participants) - 1;
            int item;
            while ((item = Interlocked.Increment(ref _nextItem) - 1) < count)
            {
                try
                {
                    body(item, participant);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _failure, e, null);
                }

                if (Interlocked.Increment(ref _doneItems) == count)
                {
                    _allDone.Set();
                }
            }
        }

        public void WaitForClaimedItems()
        {
            _allDone.Wait();
        }
    }
}
