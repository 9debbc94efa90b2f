"""Tests for tfgan.config, tfgan.flags and tfgan.distribute: validation, flagfiles, strategies."""

import dataclasses
import glob
import json
import os

import pytest
import tensorflow as tf
from absl import flags

from tfgan import config as config_lib
from tfgan import distribute
from tfgan import flags as tfgan_flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = sorted(glob.glob(os.path.join(REPO, "configs", "*.cfg")))
SYSTEM_CONFIGS = ("gan", "dcgan", "cgan", "lsgan", "wgan", "wgangp", "anime_dcgan", "anime_fast",
                  "smoke")


def parse(*args, check_paths=False):
    """Parses command-line args with fresh flags; returns ``(config, flag_values)``."""
    flag_values = flags.FlagValues()
    tfgan_flags.define_flags(flag_values)
    flag_values(["train.py", *args])
    return tfgan_flags.config_from_flags(flag_values, check_paths=check_paths), flag_values


# --------------------------------------------------------------------------------------------
# Config


def test_defaults_validate_and_round_trip_through_json():
    config = config_lib.Config().validate()
    restored = config_lib.Config.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert restored.diff(config) == []
    assert isinstance(restored.ls_targets, tuple)


def test_from_dict_rejects_unknown_fields_and_fills_missing_ones():
    with pytest.raises(config_lib.ConfigError, match="unknown config field.*bogus"):
        config_lib.Config.from_dict({"bogus": 1})
    assert config_lib.Config.from_dict({"arch": "dcgan"}).latent_dim == 100


def test_diff_names_the_differing_fields():
    a = config_lib.Config()
    b = a.replace(arch="dcgan", gp_weight=10.0, ls_targets=[0, 1, 1])
    assert a.diff(b) == ["arch", "gp_weight"]


def test_resumable_fields_are_fields():
    names = {f.name for f in dataclasses.fields(config_lib.Config)}
    assert set(config_lib.RESUMABLE_FIELDS) <= names
    for model_field in ("arch", "loss", "latent_dim", "batch_size", "g_lr", "seed"):
        assert model_field not in config_lib.RESUMABLE_FIELDS


def test_critic_norm_auto():
    assert config_lib.Config().critic_norm == "batch"
    assert config_lib.Config(gp_weight=10.0).critic_norm == "layer"
    assert config_lib.Config(gp_weight=10.0, norm="none").critic_norm == "none"


@pytest.mark.parametrize("changes, message", [
    (dict(arch="resnet"), "--arch must be one of 'mlp', 'dcgan', 'dcgan_transpose'"),
    (dict(loss="hinged"), "--loss must be one of"),
    (dict(dataset="cifar"), "--dataset must be one of 'mnist', 'folder', 'synthetic'"),
    (dict(strategy="gpu"), "--strategy must be one of"),
    (dict(mixed_precision="fp16"), "--mixed_precision must be one of"),
    (dict(norm="group"), "--norm must be one of"),
    (dict(optimizer="sgd"), "--optimizer must be one of"),
    (dict(batch_size=-4), "--batch_size must be a positive integer, got -4"),
    (dict(batch_size=0), "--batch_size must be a positive integer"),
    (dict(image_size=-28), "--image_size must be a positive integer"),
    (dict(latent_dim=0), "--latent_dim must be a positive integer"),
    (dict(train_steps=-1), "--train_steps must be a positive integer"),
    (dict(g_every=0), "--g_every must be a positive integer"),
    (dict(gp_every=0), "--gp_every must be a positive integer"),
    (dict(gp_type="r2"), "--gp_type must be one of 'wgan_gp', 'r1', got 'r2'"),
    (dict(gp_every=4), "--gp_every=4 applies the gradient penalty lazily but there is none: "
                       "pass --gp_weight > 0 .*, or --gp_every=1 with "
                       "--gp_weight=0 for no penalty"),
    (dict(checkpoint_every=0), "--checkpoint_every must be a positive integer"),
    (dict(g_base_filters=-1), "--g_base_filters must be an integer >= 0"),
    (dict(seed=-1), "--seed must be an integer >= 0, got -1"),
    (dict(channels=2), "--channels must be 1 or 3"),
    (dict(g_lr=0.0), "--g_lr must be a positive number"),
    (dict(beta1=1.0), "--beta1 must be in \\[0, 1\\)"),
    (dict(gp_weight=-1.0), "--gp_weight must be a number >= 0"),
    (dict(clip_value=-0.01), "--clip_value must be a number >= 0"),
    (dict(drift_weight=-1e-3), "--drift_weight must be a number >= 0 \\(0: off\\)"),
    (dict(drift_weight=float("inf")), "--drift_weight must be a number >= 0"),
    (dict(critic_warmup=1), "--critic_warmup must be true or false, got 1"),
    (dict(reuse_fakes="yes"), "--reuse_fakes must be true or false, got .yes."),
    (dict(augment="colour"), "--augment must be '' \\(off\\) or a comma-separated list naming "
                             "each of color, translation, cutout at most once \\(e.g. "
                             "--augment=color,translation,cutout\\), got 'colour'"),
    (dict(augment="cutout,cutout"), "--augment must be .* got 'cutout,cutout'"),
    (dict(augment=None), "--augment must be a string"),
    (dict(dropout=1.0), "--dropout must be in \\[0, 1\\)"),
    (dict(ls_targets=(0.0, 1.0)), "--ls_targets must be three numbers"),
    (dict(conditional=True, num_classes=1, dataset="synthetic"),
     "--num_classes must be at least 2"),
    (dict(arch="dcgan", image_size=30), "--image_size must be divisible by 4 for --arch=dcgan"),
    (dict(arch="dcgan_transpose", image_size=28), "--image_size must be one of 32, 64, 96"),
    (dict(channels=3), "--channels must be 1 for --dataset=mnist"),
    (dict(conditional=True, num_classes=5), "--num_classes must be 10"),
    (dict(dataset="folder"), "--data_dir is required for --dataset=folder"),
    (dict(data_dir="/no/such/mnist.npz"), "--data_dir=/no/such/mnist.npz does not exist"),
])
def test_validate_names_the_flag(changes, message):
    with pytest.raises(config_lib.ConfigError, match=message):
        config_lib.Config(**changes).validate()


def test_paths_are_only_checked_when_asked():
    config = config_lib.Config(dataset="folder", data_dir="/no/such/folder")
    config.validate(check_paths=False)
    with pytest.raises(config_lib.ConfigError, match="--data_dir=/no/such/folder does not"):
        config.validate()


def test_folder_data_dir_must_be_a_directory(tmp_path):
    path = tmp_path / "file.npz"
    path.write_bytes(b"")
    with pytest.raises(config_lib.ConfigError, match="must be a directory"):
        config_lib.Config(dataset="folder", data_dir=str(path), channels=3).validate()


def test_export_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "a_file"
    path.write_text("")
    for export_dir, message in ((path, "is a file, not a directory"),
                                (path / "sub", "so .* cannot be created")):
        config = config_lib.Config(dataset="synthetic", export_dir=str(export_dir))
        config.validate(check_paths=False)  # Only checked with the paths.
        with pytest.raises(config_lib.ConfigError,
                           match=rf"--export_dir={export_dir}: .*{message}"):
            config.validate()
    config_lib.Config(dataset="synthetic", export_dir=str(tmp_path / "new" / "dir")).validate()


def test_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config = config_lib.Config(data_dir="mnist.npz", export_dir="~/exports", cache="cache/x")
    absolute = config.absolute_paths()
    assert absolute.data_dir == str(tmp_path / "mnist.npz")
    assert absolute.export_dir == str(tmp_path / "home" / "exports")
    assert absolute.cache == str(tmp_path / "cache" / "x")
    assert config.data_dir == "mnist.npz"  # A copy.
    kept = config_lib.Config(data_dir="", export_dir="", cache="memory").absolute_paths()
    assert (kept.data_dir, kept.export_dir, kept.cache) == ("", "", "memory")


def test_diff_compares_paths_by_the_file_they_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    os.symlink(tmp_path / "data", tmp_path / "link")
    relative = config_lib.Config(data_dir="data/mnist.npz")
    for same in ("./data/mnist.npz", str(tmp_path / "data" / "mnist.npz"),
                 str(tmp_path / "link" / "mnist.npz"), "data//mnist.npz"):
        assert relative.diff(config_lib.Config(data_dir=same)) == [], same
    assert relative.diff(config_lib.Config(data_dir="other/mnist.npz")) == ["data_dir"]
    assert relative.diff(config_lib.Config(data_dir="")) == ["data_dir"]
    assert (config_lib.Config(cache="memory").diff(config_lib.Config(cache="memory/x"))
            == ["cache"])


# --------------------------------------------------------------------------------------------
# Flags


def test_every_config_field_has_a_flag_with_the_same_default():
    flag_values = flags.FlagValues()
    tfgan_flags.define_flags(flag_values)
    tfgan_flags.define_flags(flag_values)  # idempotent
    defaults = config_lib.Config()
    for field in dataclasses.fields(config_lib.Config):
        assert field.name in flag_values, field.name
    for name in ("workdir", "overwrite"):
        assert name in flag_values
    flag_values(["train.py"])
    assert tfgan_flags.config_from_flags(flag_values) == defaults


def test_issue_flag_names_exist():
    flag_values = flags.FlagValues()
    tfgan_flags.define_flags(flag_values)
    for name in ("workdir", "dataset", "data_dir", "image_size", "channels", "arch", "loss",
                 "conditional", "num_classes", "latent_dim", "batch_size", "train_steps",
                 "d_steps", "g_every", "g_lr", "d_lr", "beta1", "beta2", "gp_weight",
                 "clip_value", "spectral_norm", "seed", "strategy", "mixed_precision",
                 "sample_every", "checkpoint_every", "export_dir", "overwrite"):
        assert name in flag_values, name


def test_command_line_after_flagfile_overrides_it():
    wgangp = os.path.join(REPO, "configs", "wgangp.cfg")
    config, flag_values = parse(f"--flagfile={wgangp}", "--gp_weight=5", "--train_steps=7",
                                "--workdir=/tmp/x", "--ls_targets=-1,1,0")
    assert config.loss == "wasserstein" and config.norm == "layer"  # kept from the flagfile
    assert config.gp_weight == 5.0 and config.train_steps == 7
    assert config.ls_targets == (-1.0, 1.0, 0.0)
    assert flag_values.workdir == "/tmp/x"


def test_engine_option_flags_reach_the_config():
    config, _ = parse("--drift_weight=1e-3", "--critic_warmup", "--augment=color,cutout",
                      "--gp_weight=10", "--gp_every=4", "--reuse_fakes")
    assert (config.drift_weight, config.critic_warmup, config.augment, config.gp_every,
            config.reuse_fakes) == (1e-3, True, "color,cutout", 4, True)
    defaults, _ = parse()
    assert (defaults.drift_weight, defaults.critic_warmup, defaults.augment,
            defaults.gp_every, defaults.reuse_fakes) == (0.0, False, "", 1, False)
    for name in ("drift_weight", "critic_warmup", "augment", "gp_every", "reuse_fakes"):
        assert name not in config_lib.RESUMABLE_FIELDS  # they change the training mathematics
    with pytest.raises(config_lib.ConfigError, match="--augment must be"):
        parse("--augment=color,flip")


def test_build_gan_passes_the_engine_options():
    from tfgan import task  # pylint: disable=import-outside-toplevel

    config, _ = parse("--dataset=synthetic", "--image_size=16", "--batch_size=4",
                      "--latent_dim=8", "--g_base_filters=8", "--d_base_filters=8",
                      "--drift_weight=1e-3", "--critic_warmup", "--augment=translation,color",
                      "--loss=wasserstein", "--gp_weight=10", "--gp_every=4", "--reuse_fakes",
                      "--gp_type=r1")
    gan = task.build_gan(config)
    assert (gan.drift_weight, gan.critic_warmup, gan.augment, gan.reuse_fakes) == (
        1e-3, True, "translation,color", True)
    assert (gan.gp_weight, gan.gp_every, gan.gp_type) == (10.0, 4, "r1")


def test_flag_errors_name_the_flag():
    with pytest.raises(config_lib.ConfigError, match="--arch must be one of"):
        parse("--arch=unet")
    with pytest.raises(config_lib.ConfigError, match="--latent_dim must be a positive"):
        parse("--latent_dim=-3")
    with pytest.raises(config_lib.ConfigError, match="--ls_targets must be three numbers"):
        parse("--ls_targets=a,b,c")
    with pytest.raises(config_lib.ConfigError, match="--data_dir is required"):
        parse("--dataset=folder", "--channels=3", check_paths=True)


def test_shipped_configs_exist_and_validate():
    names = {os.path.basename(p)[:-4] for p in CONFIGS}
    assert set(SYSTEM_CONFIGS) <= names
    for path in CONFIGS:
        config, _ = parse(f"--flagfile={path}")
        assert config.train_steps >= 1


def test_shipped_configs_are_the_systems():
    def load(name):
        return parse(f"--flagfile={os.path.join(REPO, 'configs', name + '.cfg')}")[0]

    assert load("gan").arch == "mlp" and load("gan").loss == "non_saturating"
    assert load("dcgan").arch == "dcgan" and load("dcgan").dropout == 0
    cgan = load("cgan")
    assert cgan.conditional and cgan.spectral_norm and cgan.num_classes == 10
    assert load("lsgan").loss == "least_squares"
    wgan = load("wgan")
    assert (wgan.loss, wgan.optimizer) == ("wasserstein", "rmsprop")
    assert wgan.clip_value > 0 and wgan.critic_norm == "batch"  # weight clipping, as the paper
    assert wgan.gp_weight == 0 or wgan.gp_type == "r1"  # never WGAN-GP's interpolate penalty
    wgangp = load("wgangp")
    assert (wgangp.loss, wgangp.gp_weight, wgangp.clip_value) == ("wasserstein", 10.0, 0.0)
    assert wgangp.critic_norm == "layer"  # no BatchNorm in a gradient-penalty critic
    anime = load("anime_dcgan")
    assert (anime.dataset, anime.image_shape, anime.arch) == ("folder", (96, 96, 3),
                                                              "dcgan_transpose")
    assert (anime.d_steps, anime.g_every) == (1, 5)
    fast = load("anime_fast")
    assert (fast.dataset, fast.image_shape, fast.arch) == ("folder", (96, 96, 3),
                                                           "dcgan_transpose")
    smoke = load("smoke")
    assert smoke.dataset == "synthetic" and smoke.image_size == 16 and smoke.batch_size == 4


# --------------------------------------------------------------------------------------------
# Distribute


def test_get_strategy_on_cpu():
    assert distribute.get_strategy("default") is tf.distribute.get_strategy()
    if not tf.config.list_logical_devices("GPU"):
        auto = distribute.get_strategy("auto")
        assert auto.num_replicas_in_sync == 1
    one = distribute.get_strategy("one_device")
    assert isinstance(one, tf.distribute.OneDeviceStrategy)
    with pytest.raises(ValueError, match="strategy must be one of"):
        distribute.get_strategy("horovod")


def test_set_precision():
    import keras

    try:
        distribute.set_precision("mixed_bfloat16")
        assert keras.config.dtype_policy().name == "mixed_bfloat16"
        with pytest.raises(ValueError, match="mixed_precision must be one of"):
            distribute.set_precision("float8")
    finally:
        distribute.set_precision("float32")


@pytest.mark.parametrize("tf_config, chief", [
    (None, True),
    ({"cluster": {"chief": ["a:1"], "worker": ["b:1"]}, "task": {"type": "chief", "index": 0}},
     True),
    ({"cluster": {"chief": ["a:1"], "worker": ["b:1"]}, "task": {"type": "worker", "index": 0}},
     False),
    ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}, True),
    ({"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}, False),
    ({"cluster": {"worker": ["a:1"], "evaluator": ["c:1"]},
      "task": {"type": "evaluator", "index": 0}}, False),
])
def test_is_chief(monkeypatch, tf_config, chief):
    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert distribute.is_chief(tf.distribute.get_strategy()) is chief
