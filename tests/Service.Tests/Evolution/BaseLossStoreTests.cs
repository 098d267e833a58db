using TokenClean.Embedded.Models;
using TokenClean.Scoring;
using TokenClean.Scoring.BaseLosses;
using TokenClean.Scoring.Models;

namespace TokenClean.Service.Tests.Evolution;

/// <summary>
/// The base-loss store: a record's base losses are computed once and read back bit for bit; a loss stored for another
/// base (other weights or dtype) or another tokenization (other ids or mask) is never reused.
/// </summary>
[Collection("libtorch")]
public sealed class BaseLossStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "tc-baseloss-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void TokenLosses_SecondTimeFromAReopenedStore_RunsNoForwardPass_AndReturnsIdenticalLosses()
    {
        var baseDir = Checkpoint("base", 1);
        var root = Path.Combine(_dir, "store");
        int[][] sequences = [[1, 5, 9, 12, 30], [3, 4, 5, 6, 7, 8, 9]];
        bool[][] masks = [[false, true, true, true, true], [false, false, true, true, true, true, true]];
        using var model = CausalLm.Load(baseDir);
        var direct = model.TokenLosses(sequences, masks);

        var first = new StoredBaseLossModel(model, BaseLossStore.Open(root, BaseModelIdentity.Of(baseDir, DType.Float32)));
        Assert.Equal(direct, first.TokenLosses(sequences, masks));
        Assert.Equal((2L, 0L), (first.Computed, first.Reused));
        first.Store.Flush();

        var second = new StoredBaseLossModel(model, BaseLossStore.Open(root, BaseModelIdentity.Of(baseDir, DType.Float32)));
        Assert.Equal(2, second.Store.Count);
        Assert.Equal(direct, second.TokenLosses(sequences, masks));
        Assert.Equal((0L, 2L), (second.Computed, second.Reused));

        // A copy of the checkpoint elsewhere is the same base: same identity.
        var copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(baseDir))
        {
            File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        }

        Assert.Equal(BaseModelIdentity.Of(baseDir, DType.Float32), BaseModelIdentity.Of(copy, DType.Float32));
    }

    [Fact]
    public void TokenLosses_OtherBaseOrDtypeOrTokenization_NeverReusesAStoredLoss()
    {
        var baseA = Checkpoint("a", 1);
        var baseB = Checkpoint("b", 2);
        var root = Path.Combine(_dir, "store");
        int[] ids = [1, 5, 9, 12, 30];
        bool[] mask = [false, true, true, true, true];
        using var a = CausalLm.Load(baseA);
        using var b = CausalLm.Load(baseB);
        var storeA = new StoredBaseLossModel(a, BaseLossStore.Open(root, BaseModelIdentity.Of(baseA, DType.Float32)));
        storeA.TokenLosses([ids], [mask]);
        storeA.Store.Flush();

        // Another base: its identity differs, its folder is empty, its own losses come back.
        Assert.NotEqual(BaseModelIdentity.Of(baseA, DType.Float32), BaseModelIdentity.Of(baseB, DType.Float32));
        var storeB = new StoredBaseLossModel(b, BaseLossStore.Open(root, BaseModelIdentity.Of(baseB, DType.Float32)));
        Assert.Equal(0, storeB.Store.Count);
        Assert.Equal(b.TokenLosses([ids], [mask]), storeB.TokenLosses([ids], [mask]));
        Assert.Equal((1L, 0L), (storeB.Computed, storeB.Reused));

        // The same weights computed in bf16 are another base too.
        Assert.NotEqual(BaseModelIdentity.Of(baseA, DType.Float32), BaseModelIdentity.Of(baseA, DType.BFloat16));

        // Same base, another tokenization of the "same" sample (other ids; or the same ids with another response mask).
        var again = new StoredBaseLossModel(a, BaseLossStore.Open(root, BaseModelIdentity.Of(baseA, DType.Float32)));
        Assert.Equal(1, again.Store.Count);
        int[] retokenized = [1, 5, 9, 12, 31];
        Assert.Equal(a.TokenLosses([retokenized], [mask]), again.TokenLosses([retokenized], [mask]));
        bool[] otherMask = [false, false, true, true, true];
        Assert.Equal(a.TokenLosses([ids], [otherMask]), again.TokenLosses([ids], [otherMask]));
        Assert.Equal((2L, 0L), (again.Computed, again.Reused));
        Assert.Equal(a.TokenLosses([ids], [mask]), again.TokenLosses([ids], [mask]));
        Assert.Equal(1L, again.Reused);
    }

    [Fact]
    public void Open_ASegmentOfAnotherBaseInTheFolder_IsRefused()
    {
        var baseA = Checkpoint("a", 1);
        var root = Path.Combine(_dir, "store");
        using var a = CausalLm.Load(baseA);
        var identity = BaseModelIdentity.Of(baseA, DType.Float32);
        var store = new StoredBaseLossModel(a, BaseLossStore.Open(root, identity));
        store.TokenLosses([[1, 2, 3]]);
        store.Store.Flush();
        var segment = Directory.GetFiles(Path.Combine(root, identity)).Single();
        var other = Path.Combine(root, new string('0', 64));
        Directory.CreateDirectory(other);
        File.Copy(segment, Path.Combine(other, Path.GetFileName(segment)));

        var e = Assert.Throws<InvalidDataException>(() => BaseLossStore.Open(root, new string('0', 64)));
        Assert.Contains("holds losses of base", e.Message, StringComparison.Ordinal);
    }

    private string Checkpoint(string name, long seed)
    {
        var dir = Path.Combine(_dir, name);
        RandomCheckpoint.Create(new CheckpointRecipe { Hidden = 32, Vocab = 64, Intermediate = 64, Seed = seed }, dir);
        return dir;
    }
}
