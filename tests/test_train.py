"""Tests for tfgan.train_lib and tfgan.callbacks, in-process on the smoke config.

One smoke run (module fixture) is shared by the artifact tests; resume, conflict and
conditional runs make their own work directories. Each run takes a few seconds.
"""

import glob
import json
import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan import callbacks as callbacks_lib
from tfgan import config as config_lib
from tfgan import plots
from tfgan import sampling
from tfgan import task
from tfgan import train_lib
from tfgan import workdir as workdir_lib
from conftest import read_csv, smoke_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def decode_png(path) -> np.ndarray:
    with open(path, "rb") as f:
        return tf.io.decode_png(f.read()).numpy()


def checkpoint_value(path, key_prefix):
    reader = tf.train.load_checkpoint(path)
    return reader.get_tensor(f"{key_prefix}/.ATTRIBUTES/VARIABLE_VALUE")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("smoke"))
    config = smoke_config()
    result = train_lib.train_and_evaluate(config, workdir)
    return workdir, config, result


# --------------------------------------------------------------------------------------------
# Artifacts


def test_result_and_config_json(smoke_run):
    workdir, config, result = smoke_run
    assert result["step"] == config.train_steps == 20
    assert result["start_step"] == 0
    with open(os.path.join(workdir, "config.json")) as f:
        assert config_lib.Config.from_dict(json.load(f)) == config


def test_checkpoints_keep_the_last_few(smoke_run):
    workdir, config, result = smoke_run
    assert workdir_lib.run_checkpoint_steps(workdir) == [10, 20]
    assert result["checkpoint"].endswith("ckpt-20")
    assert int(checkpoint_value(result["checkpoint"], "batches_seen")) == 20
    names = {name for name, _ in tf.train.list_variables(result["checkpoint"])}
    for prefix in ("generator/", "discriminator/", "d_optimizer/", "g_optimizer/",
                   "seed_state/", "batches_seen/"):
        assert any(n.startswith(prefix) for n in names), prefix


def test_sample_grids_are_pngs(smoke_run):
    workdir, config, _ = smoke_run
    paths = sorted(glob.glob(os.path.join(workdir, "samples", "*.png")))
    assert [os.path.basename(p) for p in paths] == ["step_0000010.png", "step_0000020.png"]
    grid = decode_png(paths[-1])
    # 16 samples of 16x16x1 in a 4x4 grid with 2-pixel padding.
    assert grid.shape == (4 * 18 + 2, 4 * 18 + 2, 1)


def test_metrics_csv_has_the_metric_columns(smoke_run):
    workdir, config, _ = smoke_run
    rows = read_csv(os.path.join(workdir, "metrics.csv"))
    columns = list(rows[0])
    # The model's metrics in its order; other logged values (if any) after them.
    assert columns == ["step", "d_loss", "g_loss", "d_real", "d_fake", "steps_per_sec", "time"]
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20]
    for row in rows:
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            assert np.isfinite(float(row[key]))


def test_loss_curve_png(smoke_run):
    workdir, _, _ = smoke_run
    image = decode_png(os.path.join(workdir, "loss_curve.png"))
    assert image.shape[0] > 100 and image.shape[1] > 100


def test_tensorboard_scalars_and_images(smoke_run):
    workdir, _, _ = smoke_run
    tags = set()
    for path in glob.glob(os.path.join(workdir, "tensorboard", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                tags.add((value.tag, value.metadata.plugin_data.plugin_name))
    assert ("metrics/d_loss", "scalars") in tags
    assert ("metrics/g_loss", "scalars") in tags
    assert ("steps_per_sec", "scalars") in tags
    assert ("samples", "images") in tags


def test_export_and_restore(smoke_run):
    workdir, config, result = smoke_run
    assert result["export_path"] == os.path.join(workdir, "export", "20")
    assert os.path.exists(os.path.join(result["export_path"], "saved_model.pb"))
    gan, step, restored_config = train_lib.restore_gan(workdir)
    assert step == 20 and restored_config == config
    saved = train_lib.restore_gan(workdir, step=10)[0]
    assert int(np.asarray(saved.batches_seen)) == 10
    with pytest.raises(FileNotFoundError, match="kept steps: 10, 20"):
        train_lib.restore_gan(workdir, step=15)


def test_sampler_top_k_from_gan_and_export(smoke_run):
    workdir, config, result = smoke_run
    gan, _, _ = train_lib.restore_gan(workdir)
    for sampler in (sampling.Sampler.from_gan(gan),
                    sampling.Sampler.from_export(result["export_path"])):
        images, labels = sampler.sample(3, top_k_of=12, seed=1)
        assert images.shape == (3, 16, 16, 1) and labels is None
        scores = sampler.score(images)
        assert np.all(np.diff(scores) <= 1e-5)  # best first
        # The kept images are the best of the candidates drawn with the same seed.
        z = np.random.default_rng(1).standard_normal((12, config.latent_dim)).astype("float32")
        all_scores = sampler.score(sampler.generate(z))
        np.testing.assert_allclose(np.sort(scores)[::-1], np.sort(all_scores)[::-1][:3],
                                   rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------------------------
# Resume, conflicts, overwrite


class _RecordStart(keras.callbacks.Callback):
    """Records the step and generator weights at the start of fit."""

    def on_train_begin(self, logs=None):
        self.step = int(np.asarray(self.model.batches_seen))
        self.weights = [np.array(w) for w in self.model.generator.get_weights()]
        self.d_iterations = int(np.asarray(self.model.d_optimizer.iterations))


def copy_run(smoke_run, tmp_path):
    workdir = str(tmp_path / "run")
    shutil.copytree(smoke_run[0], workdir)
    return workdir, smoke_run[1]


def test_resume_continues_from_the_saved_step_and_weights(smoke_run, tmp_path):
    workdir, config = copy_run(smoke_run, tmp_path)
    # A killed run may have logged rows beyond its last checkpoint; they must go.
    with open(os.path.join(workdir, "metrics.csv"), "a") as f:
        f.write("23,9,9,9,9,1,1\n")
    saved = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    expected = train_lib.restore_gan(workdir)[0].generator.get_weights()

    record = _RecordStart()
    result = train_lib.train_and_evaluate(config.replace(train_steps=25), workdir,
                                          callbacks=[record])
    assert result["start_step"] == 20 and result["step"] == 25
    assert record.step == 20
    assert record.d_iterations == int(checkpoint_value(saved, "d_optimizer/_iterations"))
    for got, want in zip(record.weights, expected):
        np.testing.assert_array_equal(got, want)
    steps = [int(r["step"]) for r in read_csv(os.path.join(workdir, "metrics.csv"))]
    assert steps == [5, 10, 15, 20, 25]
    assert sorted(os.listdir(os.path.join(workdir, "export"))) == ["20", "25"]
    assert workdir_lib.run_checkpoint_steps(workdir) == [20, 25]
    with open(os.path.join(workdir, "config.json")) as f:
        assert json.load(f)["train_steps"] == 25  # resumable fields are updated

    # Nothing left to train: no new step, no new export.
    again = train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
    assert again["start_step"] == again["step"] == 25


def test_a_different_config_is_refused_and_overwrite_starts_afresh(smoke_run, tmp_path):
    workdir, config = copy_run(smoke_run, tmp_path)
    with pytest.raises(config_lib.ConfigError) as error:
        train_lib.train_and_evaluate(config.replace(arch="mlp", latent_dim=6), workdir)
    message = str(error.value)
    assert "--arch: 'dcgan' (saved) vs 'mlp' (now)" in message
    assert "--latent_dim: 8 (saved) vs 6 (now)" in message
    assert "--overwrite" in message

    notes = os.path.join(workdir, "notes.txt")
    with open(notes, "w") as f:
        f.write("mine")
    result = train_lib.train_and_evaluate(
        config.replace(arch="mlp", latent_dim=6, train_steps=5, checkpoint_every=5), workdir,
        overwrite=True)
    assert result["start_step"] == 0 and result["step"] == 5
    assert os.path.exists(notes)  # only run artifacts are removed
    assert workdir_lib.load_config(workdir).arch == "mlp"
    assert workdir_lib.run_checkpoint_steps(workdir) == [5]
    assert sorted(os.listdir(os.path.join(workdir, "samples"))) == ["step_0000005.png"]
    assert sorted(os.listdir(os.path.join(workdir, "export"))) == ["5"]


def test_a_run_without_checkpoints_is_not_a_conflict(tmp_path):
    workdir = str(tmp_path)
    with open(os.path.join(workdir, "config.json"), "w") as f:
        json.dump(smoke_config(arch="mlp").to_dict(), f)
    assert workdir_lib.check_workdir(smoke_config(), workdir) is None


def test_checkpoints_without_config_json_are_refused(tmp_path):
    workdir = str(tmp_path)
    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    tf.train.CheckpointManager(checkpoint, os.path.join(workdir, "checkpoints"), 1).save()
    with pytest.raises(config_lib.ConfigError, match="checkpoints but no config.json"):
        workdir_lib.check_workdir(smoke_config(), workdir)


# --------------------------------------------------------------------------------------------
# Conditional model and the public callbacks


def test_conditional_run_has_one_grid_row_per_class(tmp_path):
    workdir = str(tmp_path)
    config = smoke_config(arch="mlp", conditional=True, num_classes=3, spectral_norm=True,
                          num_samples=6, train_steps=6, sample_every=6, checkpoint_every=6,
                          log_every=3)
    result = train_lib.train_and_evaluate(config, workdir)
    grid = decode_png(os.path.join(workdir, "samples", "step_0000006.png"))
    assert grid.shape == (3 * 18 + 2, 2 * 18 + 2, 1)  # 3 classes x 2 columns
    gan, _, _ = train_lib.restore_gan(workdir)
    sampler = sampling.Sampler.from_gan(gan)
    np.testing.assert_array_equal(sampler.default_labels(6), [0, 0, 1, 1, 2, 2])
    images, labels = sampler.sample(4, labels=[2, 2, 0, 1], top_k_of=8)
    assert images.shape == (4, 16, 16, 1) and list(labels) == [2, 2, 0, 1]
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        sampler.sample(2, labels=[0, 3])
    exported = sampling.Sampler.from_export(result["export_path"])
    assert exported.conditional and exported.num_classes == 3


def test_sample_grid_callback_in_a_users_fit(tmp_path):
    """SampleGrid and MetricsLogger work in a plain fit of a tfgan.GAN."""
    config = smoke_config()
    gan = task.build_gan(config)
    dataset = task.build_dataset(config)
    grid = callbacks_lib.SampleGrid(str(tmp_path / "samples"), every_n_steps=2,
                                    num_samples=4)
    logger = callbacks_lib.MetricsLogger(str(tmp_path / "m.csv"), every_n_steps=2)
    gan.fit(dataset, steps_per_epoch=3, epochs=1, verbose=0, callbacks=[grid, logger])
    assert sorted(os.listdir(tmp_path / "samples")) == ["step_0000002.png",
                                                        "step_0000003.png"]
    assert [int(r["step"]) for r in read_csv(tmp_path / "m.csv")] == [2, 3]
    plots.plot_loss_curve(str(tmp_path / "m.csv"), str(tmp_path / "curve.png"))
    assert decode_png(str(tmp_path / "curve.png")).ndim == 3


def test_interval_logs_mark_metrics_without_updates_as_nan():
    class Stub:
        metrics = [keras.metrics.Mean(name="d_loss"), keras.metrics.Mean(name="g_loss")]

    Stub.metrics[0].update_state(1.5)
    logs = callbacks_lib.interval_logs(Stub, {"d_loss": 1.5, "g_loss": 0.0, "loss": 1.5})
    assert logs["d_loss"] == 1.5 and np.isnan(logs["g_loss"])
    assert "loss" not in logs  # d_loss + g_loss, for Keras callbacks only


def test_progress_line_format():
    import io

    class Stub:
        metrics = [keras.metrics.Mean(name="d_loss"), keras.metrics.Mean(name="g_loss")]
        batches_seen = np.int64(50)

    for metric in Stub.metrics:
        metric.update_state(0.5)
    stream = io.StringIO()
    progress = callbacks_lib.ProgressLogger(100, every_n_steps=50, stream=stream,
                                            dynamic=False)
    progress.set_model(Stub)
    progress.on_train_begin()
    progress._anchor = (40, progress._anchor[1] if progress._anchor else 0.0)
    progress.on_train_batch_end(0, {"g_loss": 0.25, "d_loss": 1.25})
    line = stream.getvalue().strip()
    assert line.startswith("step  50/100 [==========..........]  50%"), line
    assert line.endswith("d_loss 1.25 - g_loss 0.25"), line


def test_non_finite_metrics_stop_training_and_skip_checkpoints(tmp_path):
    class Stub:
        metrics = []
        batches_seen = np.int64(10)
        stop_training = False

    checkpoint = tf.train.Checkpoint(v=tf.Variable(1.0))
    manager = tf.train.CheckpointManager(checkpoint, str(tmp_path), max_to_keep=2)
    guard = callbacks_lib.StopOnNonFinite()
    periodic = callbacks_lib.PeriodicCheckpoint(manager, every_n_steps=5)
    for callback in (guard, periodic):
        callback.set_model(Stub)
        callback.on_train_begin()
        callback.on_train_batch_end(0, {"d_loss": float("nan"), "g_loss": 1.0})
    assert guard.step == 10 and Stub.stop_training
    assert manager.latest_checkpoint is None
    periodic.on_train_batch_end(1, {"d_loss": 1.0, "g_loss": 1.0})
    assert manager.latest_checkpoint.endswith("ckpt-10")


# --------------------------------------------------------------------------------------------
# The anime configs on an image folder


@pytest.mark.parametrize("name", ["anime_dcgan", "anime_fast"])
def test_anime_configs_train_on_a_folder_with_files_that_are_not_images(name, tmp_path):
    """The shipped anime configs, at their 96x96 and schedule, on faces beside a CSV and a text
    file (as in the faces folder users download); only the widths and steps are shrunk."""
    from absl import flags
    from PIL import Image

    from tfgan import flags as tfgan_flags

    faces = tmp_path / "faces"
    faces.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        pixels = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(faces / f"{i}.jpg")
    (faces / "label.csv").write_text("id,hair,eyes\n0,blue,red\n")
    (faces / "README.txt").write_text("anime faces\n")
    values = flags.FlagValues()
    tfgan_flags.define_flags(values)
    values(["train.py", f"--flagfile={os.path.join(REPO, 'configs', name + '.cfg')}",
            f"--data_dir={faces}", "--g_base_filters=2", "--d_base_filters=2",
            "--batch_size=4", "--train_steps=5", "--eval_every=0", "--sample_every=5",
            "--checkpoint_every=5", "--log_every=5", "--num_samples=4"])
    config = tfgan_flags.config_from_flags(values, check_paths=True)
    assert (config.image_size, config.channels, config.arch) == (96, 3, "dcgan_transpose")
    workdir = str(tmp_path / "run")
    result = train_lib.train_and_evaluate(config, workdir)
    assert result["step"] == 5
    export = workdir_lib.export_dir_of(config, workdir)
    assert os.path.isdir(os.path.join(export, "5"))
    grid = decode_png(os.path.join(workdir, "samples", "step_0000005.png"))
    assert grid.shape[-1] == 3 and grid.std() > 0
