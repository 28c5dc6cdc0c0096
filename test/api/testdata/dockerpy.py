"""docker-py (Debian's python3-docker 5.0.3) against berth system service.

Run by TestDockerPy (test/api/dockerpy_test.go) with DOCKER_HOST on the
service's socket and BERTH_REGISTRY naming a loopback registry that holds
py/busybox:v1. Every case asserts what the API answered, as a program
using the SDK would rely on it.
"""
import os
import threading
import time
import unittest
import warnings

import docker
from docker.errors import ImageNotFound, NotFound

# docker-py 5.0.3's own noise on Python 3.11, not berth's.
warnings.simplefilter("ignore", ResourceWarning)
warnings.simplefilter("ignore", DeprecationWarning)

REGISTRY = os.environ["BERTH_REGISTRY"]
client = docker.from_env(timeout=60)


def wait_until(cond, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


class Containers(unittest.TestCase):
    def test_lifecycle(self):
        c = client.containers.run(
            "busybox", ["sh", "-c", "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; exec sleep 300"],
            detach=True, name="pyc", network_mode="none",
            labels={"suite": "dockerpy"}, environment={"GREETING": "hi"})
        try:
            self.assertEqual(len(c.id), 64)
            names = [x.name for x in client.containers.list(filters={"label": "suite=dockerpy"})]
            self.assertEqual(names, ["pyc"])
            c.reload()
            self.assertEqual(c.status, "running")
            self.assertEqual(c.attrs["Name"], "/pyc")
            self.assertEqual(c.attrs["Config"]["Labels"]["suite"], "dockerpy")
            self.assertIn("GREETING=hi", c.attrs["Config"]["Env"])
            self.assertEqual(c.attrs["HostConfig"]["NetworkMode"], "none")
            self.assertGreater(c.attrs["State"]["Pid"], 0)

            # logs(stream, follow): lines as they come, both streams.
            seen = []
            for chunk in c.logs(stream=True, follow=True):
                seen.extend(chunk.decode().splitlines())
                if "three" in seen:
                    break
            self.assertEqual(seen, ["one", "two", "three"])
            self.assertEqual(c.logs(stdout=True, stderr=False), b"one\nthree\n")
            self.assertEqual(c.logs(tail=1), b"three\n")

            c.kill()
            self.assertEqual(c.wait(timeout=20)["StatusCode"], 137)
            c.reload()
            self.assertEqual(c.status, "exited")
        finally:
            c.remove(force=True)
        with self.assertRaises(NotFound):
            client.containers.get("pyc")

    def test_wait_exit_code(self):
        c = client.containers.create("busybox", ["sh", "-c", "exit 3"], network_mode="none")
        c.start()
        res = c.wait(timeout=20)
        self.assertEqual(res["StatusCode"], 3)
        self.assertFalse(res.get("Error"))
        c.remove(v=True)
        self.assertNotIn(c.id, [x.id for x in client.containers.list(all=True)])

    def test_run_foreground(self):
        out = client.containers.run("busybox", ["echo", "foreground"], remove=True, network_mode="none")
        self.assertEqual(out, b"foreground\n")
        with self.assertRaises(docker.errors.ContainerError) as e:
            client.containers.run("busybox", ["sh", "-c", "echo bad >&2; exit 2"], remove=True, network_mode="none")
        self.assertEqual(e.exception.exit_status, 2)
        self.assertIn(b"bad", e.exception.stderr)


class Exec(unittest.TestCase):
    def setUp(self):
        self.c = client.containers.run("busybox", ["sleep", "300"], detach=True, network_mode="none")

    def tearDown(self):
        self.c.remove(force=True)

    def test_exec_run(self):
        r = self.c.exec_run(["sh", "-c", "echo out; exit 3"])
        self.assertEqual((r.exit_code, r.output), (3, b"out\n"))
        r = self.c.exec_run(["sh", "-c", "echo out; echo err >&2"], demux=True)
        self.assertEqual((r.exit_code, r.output), (0, (b"out\n", b"err\n")))
        r = self.c.exec_run(["sh", "-c", "echo $A; pwd; id -u"], environment={"A": "from-env"}, workdir="/tmp", user="nobody")
        self.assertEqual((r.exit_code, r.output), (0, b"from-env\n/tmp\n65534\n"))
        r = self.c.exec_run(["sh", "-c", "echo a; sleep 0.2; echo b"], stream=True)
        self.assertEqual(b"".join(r.output), b"a\nb\n")
        # Docker's daemon gives an exec that cannot start 126.
        r = self.c.exec_run(["nosuchcmd"])
        self.assertEqual(r.exit_code, 126)
        self.assertIn(b"nosuchcmd", r.output)


class Images(unittest.TestCase):
    def test_pull_tag_list_remove(self):
        repo = REGISTRY + "/py/busybox"
        img = client.images.pull(repo, tag="v1")
        self.assertIn(repo + ":v1", img.tags)
        self.assertTrue(img.id.startswith("sha256:"))
        self.assertEqual(img.id, client.images.get("busybox").id)
        self.assertTrue(img.tag("pyimage", "t1"))
        self.assertIn("pyimage:t1", client.images.get(img.id).tags)
        self.assertEqual([i.id for i in client.images.list(name="pyimage")], [img.id])
        # The list itself names only the tags that the filter matched.
        self.assertEqual([r["RepoTags"] for r in client.api.images(name="pyimage")], [["pyimage:t1"]])
        self.assertIn(img.id, [i.id for i in client.images.list()])
        client.images.remove("pyimage:t1")
        client.images.remove(repo + ":v1")
        with self.assertRaises(ImageNotFound):
            client.images.get("pyimage:t1")
        # The image itself stays under its other name.
        self.assertEqual(client.images.get("busybox").id, img.id)
        with self.assertRaises(docker.errors.NotFound):
            client.images.pull(REGISTRY + "/py/nosuch", tag="v1")


class Networks(unittest.TestCase):
    def test_network(self):
        n = client.networks.create("pynet", driver="bridge", labels={"suite": "dockerpy"})
        c = None
        try:
            self.assertEqual([x.name for x in client.networks.list(names=["pynet"])], ["pynet"])
            self.assertEqual([x.id for x in client.networks.list(filters={"label": "suite=dockerpy"})], [n.id])
            n.reload()
            self.assertEqual(n.attrs["Driver"], "bridge")
            self.assertEqual(n.attrs["Labels"], {"suite": "dockerpy"})
            self.assertTrue(n.attrs["IPAM"]["Config"][0]["Subnet"])
            c = client.containers.run("busybox", ["sleep", "300"], detach=True, name="pynetc", network="pynet")
            n.reload()
            self.assertEqual([x.name for x in n.containers], ["pynetc"])
            c.reload()
            ip = c.attrs["NetworkSettings"]["Networks"]["pynet"]["IPAddress"]
            self.assertTrue(ip)
            # Another container resolves it by name on the network.
            out = client.containers.run("busybox", ["nslookup", "pynetc"], remove=True, network="pynet")
            self.assertIn(ip, out.decode())
            n.disconnect(c)
            n.reload()
            self.assertEqual(n.containers, [])
        finally:
            if c is not None:
                c.remove(force=True)
            n.remove()
        with self.assertRaises(NotFound):
            client.networks.get("pynet")


class Volumes(unittest.TestCase):
    def test_volume(self):
        v = client.volumes.create("pyvol", labels={"suite": "dockerpy"})
        self.assertEqual(v.name, "pyvol")
        self.assertEqual(v.attrs["Driver"], "local")
        self.assertTrue(v.attrs["Mountpoint"].endswith("/pyvol/_data"))
        self.assertEqual([x.name for x in client.volumes.list(filters={"label": "suite=dockerpy"})], ["pyvol"])
        client.containers.run("busybox", ["sh", "-c", "echo kept > /v/f"], remove=True, network_mode="none",
                              volumes={"pyvol": {"bind": "/v", "mode": "rw"}})
        out = client.containers.run("busybox", ["cat", "/v/f"], remove=True, network_mode="none",
                                    volumes={"pyvol": {"bind": "/v", "mode": "ro"}})
        self.assertEqual(out, b"kept\n")
        self.assertEqual(client.volumes.get("pyvol").attrs["Labels"], {"suite": "dockerpy"})
        v.remove()
        with self.assertRaises(NotFound):
            client.volumes.get("pyvol")


class Events(unittest.TestCase):
    def test_streamed_with_filter(self):
        got = []
        stream = client.events(decode=True, filters={"type": "container", "label": "ev=py"})
        done = threading.Event()

        def read():
            for ev in stream:
                got.append(ev)
                if ev.get("Action") == "destroy":
                    break
            done.set()

        t = threading.Thread(target=read, daemon=True)
        t.start()
        # Nothing says when the stream is connected: the request is sent
        # when events() returns, so what follows is after it.
        client.containers.run("busybox", ["true"], remove=True, network_mode="none", name="pyev-other")
        c = client.containers.run("busybox", ["true"], detach=True, network_mode="none",
                                  name="pyev", labels={"ev": "py"})
        c.wait(timeout=20)
        c.remove()
        self.assertTrue(done.wait(20), "no destroy event in 20 s; got %r" % got)
        stream.close()
        actions = [e["Action"] for e in got]
        self.assertEqual(actions[:1], ["create"])
        for want in ["create", "start", "die", "destroy"]:
            self.assertIn(want, actions)
        for e in got:
            self.assertEqual(e["Type"], "container")
            self.assertEqual(e["Actor"]["Attributes"]["name"], "pyev")
            self.assertEqual(e["Actor"]["ID"], c.id)
        die = [e for e in got if e["Action"] == "die"][0]
        self.assertEqual(die["Actor"]["Attributes"]["exitCode"], "0")
        self.assertEqual(die["from"], "busybox")

    def test_window(self):
        since = time.time() - 1
        client.volumes.create("pyevvol").remove()
        until = time.time() + 1
        time.sleep(1.1)
        evs = list(client.events(since=since, until=until, decode=True, filters={"type": "volume"}))
        self.assertEqual([(e["Action"], e["Actor"]["ID"]) for e in evs],
                         [("create", "pyevvol"), ("destroy", "pyevvol")])


class System(unittest.TestCase):
    def test_version_info_ping(self):
        self.assertTrue(client.ping())
        v = client.version()
        self.assertEqual(v["ApiVersion"], "1.44")
        # from_env negotiates: the newest version both sides speak.
        self.assertEqual(client.api.api_version, "1.44")
        self.assertEqual(client.info()["Driver"], "overlay")
        df = client.df()
        self.assertIn("Images", df)
        self.assertIn("Volumes", df)


if __name__ == "__main__":
    print("docker-py", docker.__version__, "from", docker.__file__)
    unittest.main(verbosity=2, warnings="ignore")
