namespace TokenClean.Scoring.Tests.Reference;

/// <summary>The plain-PyTorch reference on its own: its self-check, and its create/losses round trip.</summary>
public sealed class ReferenceScriptTests
{
    [Fact]
    public void SelfCheck_EveryArchitecture_AgreesWithTheNaiveFloat64Computation()
    {
        var (exit, stdout, stderr) = ReferenceScript.Run("selfcheck");

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("selfcheck: all passed", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Losses_OfACreatedCheckpoint_AreNullAtPositionZeroAndPositiveElsewhere()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-ref-" + Guid.NewGuid().ToString("N"));
        try
        {
            ReferenceScript.Create("llama", dir);

            var losses = ReferenceScript.Losses(dir, [[1, 2, 3, 4, 5], [7, 8]]);

            Assert.Equal([5, 2], losses.Select(l => l.Length));
            Assert.All(losses, row => Assert.True(double.IsNaN(row[0])));
            Assert.All(losses, row => Assert.All(row.Skip(1), v => Assert.True(v > 0 && double.IsFinite(v))));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void Losses_AnIdOutsideTheVocabulary_FailsWithAClearMessage()
    {
        var dir = Path.Combine(Path.GetTempPath(), "tc-ref-" + Guid.NewGuid().ToString("N"));
        try
        {
            ReferenceScript.Create("gpt2", dir);

            var (exit, _, stderr) = ReferenceScript.Run("losses", "--model", dir, "--tokens", "[[1, 96]]");

            Assert.NotEqual(0, exit);
            Assert.Contains("outside the vocabulary", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
