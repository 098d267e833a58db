using TokenClean.Scoring.Kernels;

namespace TokenClean.Scoring.Tests.Kernels;

/// <summary>
/// The kernels' threads: every item once, never on a .NET thread-pool thread other than the caller, per-thread
/// scratch never shared, a body's exception rethrown only after every item ran.
/// </summary>
public sealed class KernelThreadsTests
{
    [Fact]
    public async Task For_CalledFromAPoolThread_RunsNoItemOnAnotherPoolThread()
    {
        var strangers = 0;
        var runs = new int[4000];
        await Task.Run(() =>
        {
            var caller = Environment.CurrentManagedThreadId;
            KernelThreads.For(runs.Length, 3, (item, _) =>
            {
                if (Thread.CurrentThread.IsThreadPoolThread && Environment.CurrentManagedThreadId != caller)
                {
                    Interlocked.Increment(ref strangers);
                }

                Interlocked.Increment(ref runs[item]);
                Thread.SpinWait(200);
            });
        });

        Assert.Equal(0, strangers);
        Assert.All(runs, n => Assert.Equal(1, n));
    }

    [Fact]
    public void For_ParticipantIndex_IsBelowTheThreadCountAndNeverSharedByTwoRunningBodies()
    {
        const int threads = 3;
        var busy = new int[threads];
        var clashes = 0;
        var outOfRange = 0;
        KernelThreads.For(3000, threads, (_, participant) =>
        {
            if (participant < 0 || participant >= threads)
            {
                Interlocked.Increment(ref outOfRange);
                return;
            }

            if (Interlocked.Exchange(ref busy[participant], 1) != 0)
            {
                Interlocked.Increment(ref clashes);
            }

            Thread.SpinWait(500);
            Volatile.Write(ref busy[participant], 0);
        });

        Assert.Equal(0, outOfRange);
        Assert.Equal(0, clashes);
    }

    [Fact]
    public void For_BodyThrows_RethrowsTheExceptionAfterEveryOtherItemRan()
    {
        var runs = new int[500];
        var e = Assert.Throws<InvalidOperationException>(() => KernelThreads.For(runs.Length, 2, (item, _) =>
        {
            Interlocked.Increment(ref runs[item]);
            if (item == 17)
            {
                throw new InvalidOperationException("item 17");
            }
        }));

        Assert.Equal("item 17", e.Message);
        Assert.All(runs, n => Assert.Equal(1, n));
    }

    [Fact]
    public void For_ManyCallersAtOnce_EachGetsAllItsItems()
    {
        var totals = new long[8];
        Parallel.For(0, totals.Length, new ParallelOptions { MaxDegreeOfParallelism = totals.Length }, caller =>
        {
            for (var round = 0; round < 20; round++)
            {
                KernelThreads.For(100, 2, (item, _) => Interlocked.Add(ref totals[caller], item + 1));
            }
        });

        Assert.All(totals, t => Assert.Equal(20 * 5050, t));
    }

    [Fact]
    public void For_NoItemsOrOneThread_RunsOnTheCaller()
    {
        KernelThreads.For(0, 4, (_, _) => throw new InvalidOperationException("no item to run"));
        var caller = Environment.CurrentManagedThreadId;
        var elsewhere = 0;
        KernelThreads.For(50, 1, (_, participant) =>
        {
            if (Environment.CurrentManagedThreadId != caller || participant != 0)
            {
                elsewhere++;
            }
        });

        Assert.Equal(0, elsewhere);
    }
}
