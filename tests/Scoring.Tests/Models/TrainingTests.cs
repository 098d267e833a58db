using System.Security.Cryptography;
using System.Text.Json;
using TokenClean.Scoring.Models;
using TokenClean.Scoring.Tests.Reference;
using TorchSharp;

namespace TokenClean.Scoring.Tests.Models;

/// <summary>
/// Ready to train: every parameter can require grad, <see cref="CausalLm.MeanLoss"/> is differentiable, and one SGD
/// step on a tiny model gives the same weights as the same step computed independently in plain PyTorch
/// (tools/reference, python3-torch in its own process).
/// </summary>
[Collection("libtorch")]
public sealed class TrainingTests
{
    private static readonly int[][] Sequences =
    [
        [3, 17, 42, 5, 88, 17, 0, 61, 29, 3, 95, 12, 12, 40],
        [90, 80, 70, 60, 50, 40, 30],
    ];

    private static readonly bool[][] Masks =
    [
        [false, false, false, false, true, true, true, true, true, true, true, true, true, true],
        [false, true, true, false, true, true, true],
    ];

    [Theory]
    [InlineData("qwen3", new[] { "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight", "model.layers.0.self_attn.k_norm.weight", "model.norm.weight" })]
    [InlineData("gpt2", new[] { "transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.1.mlp.c_fc.bias", "transformer.ln_f.weight" })]
    public void OneSgdStep_UpdatesTheWeightsAsPlainPyTorchDoes(string arch, string[] names)
    {
        const double lr = 0.5;
        var dir = Path.Combine(Path.GetTempPath(), $"tc-sgd-{arch}-{Guid.NewGuid():N}");
        try
        {
            ReferenceScript.Create(arch, dir, seed: 3);
            var file = Path.Combine(dir, "model.safetensors");
            var before = SHA256.HashData(File.ReadAllBytes(file));
            var (exit, stdout, stderr) = ReferenceScript.Run(
                "sgd", "--model", dir, "--tokens", JsonSerializer.Serialize(Sequences),
                "--masks", JsonSerializer.Serialize(Masks.Select(m => m.Select(b => b ? 1 : 0))),
                "--lr", lr.ToString(System.Globalization.CultureInfo.InvariantCulture), "--names", JsonSerializer.Serialize(names));
            Assert.True(exit == 0, stderr);
            using var reference = JsonDocument.Parse(stdout);

            var baseline = Torch.LiveTensors;
            using (var model = CausalLm.Load(dir))
            {
                var parameters = model.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                foreach (var p in parameters.Values)
                {
                    p.requires_grad = true;
                }

                using (var scope = torch.NewDisposeScope())
                {
                    var loss = model.MeanLoss(Sequences, Masks);
                    Assert.True(Math.Abs(loss.item<float>() - reference.RootElement.GetProperty("loss").GetDouble()) <= 1e-5, $"loss {loss.item<float>()} vs {reference.RootElement.GetProperty("loss").GetDouble()}");
                    loss.backward();
                    using (torch.no_grad())
                    {
                        foreach (var p in parameters.Values)
                        {
                            p.sub_(p.grad! * lr);
                        }
                    }
                }

                using var compare = torch.NewDisposeScope();
                foreach (var name in names)
                {
                    var expected = reference.RootElement.GetProperty("updated").GetProperty(name).EnumerateArray().Select(v => v.GetSingle()).ToArray();
                    var actual = parameters[name].detach().cpu().data<float>().ToArray();
                    Assert.Equal(expected.Length, actual.Length);
                    var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
                    Assert.True(worst <= 1e-5, $"{name}: max |Δ| {worst} after one SGD step");
                }

            }

            // The parameters were copy-on-write views of the checkpoint: the step changed memory, never the file.
            Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(file)));
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.Equal(baseline, Torch.LiveTensors);
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
    public void Parameters_CarryTheCheckpointNames_AndAreFrozenAfterLoad()
    {
        using var model = CausalLm.Load(TinyModels.Dir("llama"));
        var names = model.Module.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var spec in WeightLayout.Expected(model.Config))
        {
            Assert.Contains(spec.Name, names);
        }

        Assert.All(model.Module.parameters(), p => Assert.False(p.requires_grad));
    }
}
