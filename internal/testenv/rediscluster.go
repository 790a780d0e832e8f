package testenv

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisCluster is a Redis Cluster of a test's own: masters with one replica
// each, on free loopback ports, made with redis-cli --cluster create as an
// operator would. A test may kill the master of a key's slot and watch its
// replica take over. Nothing is kept on disk; everything stops when the
// test ends.
type RedisCluster struct {
	t     testing.TB
	dir   string
	nodes map[string]*clusterNode // by address
	// Addrs are every node's host:port, masters first as created.
	Addrs []string
	// URL names every node in the form REDIS_URL takes:
	// redis+cluster://h1:p1,h2:p2,...
	URL string
}

type clusterNode struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

// clusterNodeTimeout is the cluster's cluster-node-timeout: how long a
// master may be silent before its replica takes over. Short, so a test's
// failover takes about two seconds.
const clusterNodeTimeout = 1000 * time.Millisecond

// NewRedisCluster starts 2×masters redis-server processes in cluster mode
// (redis-server and redis-cli must be on PATH) and joins them into a
// cluster with one replica per master, waiting until every node says the
// cluster is ok. Anything that goes wrong fails the test: nothing skips.
func NewRedisCluster(t testing.TB, masters int) *RedisCluster {
	t.Helper()
	for _, prog := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("testenv: %s is needed for a Redis Cluster (apt-get install redis-server): %v", prog, err)
		}
	}
	if masters < 3 {
		t.Fatal("testenv: a Redis Cluster needs at least three masters")
	}
	rc := &RedisCluster{t: t, dir: t.TempDir(), nodes: map[string]*clusterNode{}}
	t.Cleanup(rc.stopAll)
	for range 2 * masters {
		port := freeClusterPort(t)
		addr := "127.0.0.1:" + strconv.Itoa(port)
		rc.Addrs = append(rc.Addrs, addr)
		rc.start(addr)
	}
	for _, addr := range rc.Addrs {
		if err := waitForRedis(addr, 10*time.Second); err != nil {
			t.Fatalf("testenv: cluster node %s does not answer after 10 s: %v\n%s", addr, err, rc.nodes[addr].out)
		}
	}
	args := append([]string{"--cluster", "create"}, rc.Addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("testenv: redis-cli --cluster create: %v\n%s", err, out)
	}
	rc.URL = "redis+cluster://" + strings.Join(rc.Addrs, ",")
	rc.wait(true)
	return rc
}

// Client is a new client of the cluster for the test's own checks, which
// learns the cluster as it is now (closed when the test ends).
func (rc *RedisCluster) Client() *redis.ClusterClient {
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: rc.Addrs, MaxRetries: -1,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second})
	rc.t.Cleanup(func() { _ = c.Close() })
	return c
}

func (rc *RedisCluster) start(addr string) {
	rc.t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	n := &clusterNode{out: &bytes.Buffer{}}
	n.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+port+".conf",
		"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout.Milliseconds())),
		// A replica may take over however long it was cut off from its
		// master, and slots that still have a master keep answering while
		// another's are failing over.
		"--cluster-replica-validity-factor", "0", "--cluster-require-full-coverage", "no",
		"--save", "", "--appendonly", "no", "--dir", rc.dir)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		rc.t.Fatalf("testenv: start redis-server %s: %v", addr, err)
	}
	rc.nodes[addr] = n
}

// WaitHealthy waits (at most 30 s) until every running node says
// cluster_state:ok and every slot has a master that answers.
func (rc *RedisCluster) WaitHealthy() {
	rc.t.Helper()
	rc.wait(false)
}

// wait is WaitHealthy; withReplicas also waits until every master has a
// replica in sync that the cluster names (as once it has just been made).
func (rc *RedisCluster) wait(withReplicas bool) {
	rc.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		why := rc.unhealthy(withReplicas)
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("testenv: the Redis Cluster is not healthy after 30 s: %s", why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (rc *RedisCluster) unhealthy(withReplicas bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for addr, n := range rc.nodes {
		if n.cmd == nil {
			continue
		}
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		info, err := c.ClusterInfo(ctx).Result()
		var shards []shard
		if err == nil {
			shards, err = shardsOf(ctx, c)
		}
		_ = c.Close()
		switch {
		case err != nil:
			return addr + ": " + err.Error()
		case !strings.Contains(info, "cluster_state:ok"):
			return addr + ": cluster_state not ok"
		}
		covered := int64(0)
		for _, sh := range shards {
			if len(sh.slots) == 0 {
				continue
			}
			if sh.master == "" || rc.nodes[sh.master] == nil || rc.nodes[sh.master].cmd == nil {
				return addr + ": a shard's master is down"
			}
			if withReplicas && len(sh.replicas) == 0 {
				return addr + ": a master has no replica in sync yet"
			}
			for _, r := range sh.slots {
				covered += r.End - r.Start + 1
			}
		}
		if covered != 16384 {
			return fmt.Sprintf("%s: %d slots of 16384 covered", addr, covered)
		}
	}
	return ""
}

// shard is what CLUSTER SHARDS says of one: its slots, the master that
// answers for them and the replicas that are online.
type shard struct {
	slots    []redis.SlotRange
	master   string
	replicas []string
}

func shardsOf(ctx context.Context, c *redis.Client) ([]shard, error) {
	raw, err := c.ClusterShards(ctx).Result()
	if err != nil {
		return nil, err
	}
	out := make([]shard, 0, len(raw))
	for _, r := range raw {
		sh := shard{slots: r.Slots}
		for _, n := range r.Nodes {
			if n.Health != "online" {
				continue
			}
			addr := net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
			if n.Role == "master" {
				sh.master = addr
			} else {
				sh.replicas = append(sh.replicas, addr)
			}
		}
		out = append(out, sh)
	}
	return out, nil
}

// MasterOf is the address of the master serving key's slot, and of its
// replicas online, as the cluster says now.
func (rc *RedisCluster) MasterOf(key string) (master string, replicas []string) {
	rc.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for addr, n := range rc.nodes {
		if n.cmd == nil {
			continue
		}
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		slot, err := c.ClusterKeySlot(ctx, key).Result()
		var shards []shard
		if err == nil {
			shards, err = shardsOf(ctx, c)
		}
		_ = c.Close()
		if err != nil {
			continue
		}
		for _, sh := range shards {
			for _, r := range sh.slots {
				if r.Start <= slot && slot <= r.End && sh.master != "" {
					return sh.master, sh.replicas
				}
			}
		}
	}
	rc.t.Fatalf("testenv: no node of the cluster names the master of %q", key)
	return "", nil
}

// Kill kills the node at addr (as a crash would): when it is a master, its
// replica takes over after the cluster's node timeout.
func (rc *RedisCluster) Kill(addr string) {
	rc.t.Helper()
	n := rc.nodes[addr]
	if n == nil || n.cmd == nil {
		rc.t.Fatalf("testenv: no running cluster node at %s", addr)
	}
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
	n.cmd = nil
}

func (rc *RedisCluster) stopAll() {
	for _, n := range rc.nodes {
		if n.cmd != nil {
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
			n.cmd = nil
		}
	}
}

// freeClusterPort is a loopback port free for a node and for its cluster
// bus (the port plus 10000).
func freeClusterPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(25000)
		a, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+10000))
		_ = a.Close()
		if err != nil {
			continue
		}
		_ = b.Close()
		return port
	}
	t.Fatal("testenv: no free pair of loopback ports for a cluster node")
	return 0
}
