using TokenClean.Service.Refresh;

namespace TokenClean.Service.Tests.Refresh;

/// <summary>
/// Several scorer devices (<see cref="RefreshOptions.Devices"/>): every version is loaded once per device, each scorer
/// gets its own copy, and a swap replaces the copies on all devices together.
/// </summary>
[Collection("libtorch")]
public sealed class ModelRefresherDevicesTests : IDisposable
{
    private readonly CheckpointRoot _ckpt = new();

    public void Dispose() => _ckpt.Dispose();

    [Fact]
    public async Task Acquire_TwoDevices_EachDeviceHasItsOwnCopyAndASwapReplacesBoth()
    {
        _ckpt.Publish("step-1");
        var options = _ckpt.Options(TimeSpan.FromMilliseconds(20)) with { Devices = ["cpu", "cpu"] };
        await using var refresher = await ModelRefresher.StartAsync(options, _ckpt.BaseConfig);
        IReferenceModelProvider provider = refresher;
        Assert.Equal(2, provider.DeviceCount);

        using (var on0 = provider.Acquire(0))
        using (var on1 = provider.Acquire(1))
        {
            Assert.Equal("step-1", on0.Version);
            Assert.Equal("step-1", on1.Version);
            Assert.NotSame(on0.Model, on1.Model);
            var probe = ReferenceValidator.ProbeFor(on0.Model);
            Assert.Equal(on0.Model.TokenLosses(probe), on1.Model.TokenLosses(probe));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => provider.Acquire(2));

        var held = provider.Acquire(1); // a batch still running on device 1 across the swap
        var expected = CheckpointRoot.ProbeLosses(_ckpt.Publish("step-2"));
        Assert.True(CheckpointRoot.WaitUntil(() => refresher.Status.CurrentVersion == "step-2", TimeSpan.FromSeconds(20)), "step-2 not swapped in");
        for (var device = 0; device < 2; device++)
        {
            using var lease = provider.Acquire(device);
            Assert.Equal("step-2", lease.Version);
            Assert.Equal(expected, lease.Model.TokenLosses(ReferenceValidator.ProbeFor(lease.Model)));
        }

        // The old version's copies stay usable until their last lease ends.
        Assert.Equal("step-1", held.Version);
        Assert.NotEmpty(held.Model.TokenLosses([[1, 2, 3]]));
        held.Dispose();
    }

    [Fact]
    public void LoadOnDevices_TwoDevices_ServesOneCopyPerDevice()
    {
        var dir = _ckpt.Publish("fixed", parent: _ckpt.Dir);
        using var fixedRef = FixedReferenceModel.LoadOnDevices(dir, _ckpt.BaseConfig, ["cpu", "cpu"]);
        IReferenceModelProvider provider = fixedRef;
        Assert.Equal(2, provider.DeviceCount);
        using var on0 = provider.Acquire(0);
        using var on1 = provider.Acquire(1);
        Assert.NotSame(on0.Model, on1.Model);
        Assert.Equal(on0.Version, on1.Version);
        Assert.Throws<ArgumentOutOfRangeException>(() => provider.Acquire(2));
    }
}
