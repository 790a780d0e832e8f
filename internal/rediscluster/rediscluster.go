// Package rediscluster runs a Redis Cluster of its own: masters with one
// replica each, on free loopback ports, made with redis-cli --cluster create
// as an operator would. The tests (internal/testenv.NewRedisCluster) and
// the soak (cmd/soak) start theirs with it. Nothing is kept on disk but the
// nodes' cluster files, in the directory the caller gives.
package rediscluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// NodeTimeout is the cluster's cluster-node-timeout: how long a master may
// be silent before its replica takes over. Short, so a failover takes about
// two seconds.
const NodeTimeout = 1000 * time.Millisecond

// Cluster is a running Redis Cluster.
type Cluster struct {
	dir   string
	mu    sync.Mutex
	nodes map[string]*node // by address
	// Addrs are every node's host:port, masters first as created.
	Addrs []string
	// URL names every node in the form REDIS_URL takes:
	// redis+cluster://h1:p1,h2:p2,...
	URL string
}

type node struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

// Start starts 2×masters redis-server processes in cluster mode
// (redis-server and redis-cli must be on PATH), keeping their files in dir,
// and joins them into a cluster with one replica per master, waiting until
// every node says the cluster is ok and every master has a replica. On an
// error, whatever it started is stopped.
func Start(dir string, masters int) (*Cluster, error) {
	for _, prog := range []string{"redis-server", "redis-cli"} {
		if _, err := exec.LookPath(prog); err != nil {
			return nil, fmt.Errorf("rediscluster: %s is needed (apt-get install redis-server): %w", prog, err)
		}
	}
	if masters < 3 {
		return nil, errors.New("rediscluster: a Redis Cluster needs at least three masters")
	}
	c := &Cluster{dir: dir, nodes: map[string]*node{}}
	if err := c.start(masters); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(masters int) error {
	for range 2 * masters {
		port, err := freePort()
		if err != nil {
			return err
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		c.Addrs = append(c.Addrs, addr)
		if err := c.startNode(addr); err != nil {
			return err
		}
	}
	for _, addr := range c.Addrs {
		if err := WaitForPing(addr, 10*time.Second); err != nil {
			return fmt.Errorf("rediscluster: node %s does not answer after 10 s: %w\n%s", addr, err, c.nodes[addr].out)
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("rediscluster: redis-cli --cluster create: %w\n%s", err, out)
	}
	c.URL = "redis+cluster://" + strings.Join(c.Addrs, ",")
	return c.wait(true)
}

func (c *Cluster) startNode(addr string) error {
	_, port, _ := net.SplitHostPort(addr)
	n := &node{out: &bytes.Buffer{}}
	n.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port,
		"--cluster-enabled", "yes", "--cluster-config-file", "nodes-"+port+".conf",
		"--cluster-node-timeout", strconv.Itoa(int(NodeTimeout.Milliseconds())),
		// A replica may take over however long it was cut off from its
		// master, and slots that still have a master keep answering while
		// another's are failing over.
		"--cluster-replica-validity-factor", "0", "--cluster-require-full-coverage", "no",
		"--save", "", "--appendonly", "no", "--dir", c.dir)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("rediscluster: start redis-server %s: %w", addr, err)
	}
	c.mu.Lock()
	c.nodes[addr] = n
	c.mu.Unlock()
	return nil
}

// Client is a new client of the cluster, which learns the cluster as it is
// now; the caller closes it.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs, MaxRetries: -1,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second})
}

// WaitHealthy waits (at most 30 s) until every running node says
// cluster_state:ok and every slot has a master that answers.
func (c *Cluster) WaitHealthy() error { return c.wait(false) }

// wait is WaitHealthy; withReplicas also waits until every master has a
// replica in sync that the cluster names (as once it has just been made).
func (c *Cluster) wait(withReplicas bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		why := c.unhealthy(withReplicas)
		if why == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rediscluster: not healthy after 30 s: %s", why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// running is the addresses of the nodes not killed.
func (c *Cluster) running() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	up := map[string]bool{}
	for addr, n := range c.nodes {
		if n.cmd != nil {
			up[addr] = true
		}
	}
	return up
}

func (c *Cluster) unhealthy(withReplicas bool) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	up := c.running()
	for addr := range up {
		rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		info, err := rc.ClusterInfo(ctx).Result()
		var shards []shard
		if err == nil {
			shards, err = shardsOf(ctx, rc)
		}
		_ = rc.Close()
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
			if sh.master == "" || !up[sh.master] {
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
func (c *Cluster) MasterOf(key string) (master string, replicas []string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for addr := range c.running() {
		rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		slot, err := rc.ClusterKeySlot(ctx, key).Result()
		var shards []shard
		if err == nil {
			shards, err = shardsOf(ctx, rc)
		}
		_ = rc.Close()
		if err != nil {
			continue
		}
		for _, sh := range shards {
			for _, r := range sh.slots {
				if r.Start <= slot && slot <= r.End && sh.master != "" {
					return sh.master, sh.replicas, nil
				}
			}
		}
	}
	return "", nil, fmt.Errorf("rediscluster: no node of the cluster names the master of %q", key)
}

// Kill kills the node at addr (as a crash would): when it is a master, its
// replica takes over after NodeTimeout.
func (c *Cluster) Kill(addr string) error {
	c.mu.Lock()
	n := c.nodes[addr]
	c.mu.Unlock()
	if n == nil || n.cmd == nil {
		return fmt.Errorf("rediscluster: no running node at %s", addr)
	}
	_ = n.cmd.Process.Kill()
	_ = n.cmd.Wait()
	c.mu.Lock()
	n.cmd = nil
	c.mu.Unlock()
	return nil
}

// Close stops every node.
func (c *Cluster) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.nodes {
		if n.cmd != nil {
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
			n.cmd = nil
		}
	}
}

// WaitForPing waits until the Redis server at addr answers PING, or within
// ends. testenv's single servers wait with it too.
func WaitForPing(addr string, within time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer func() { _ = c.Close() }()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort is a loopback port free for a node and for its cluster bus (the
// port plus 10000).
func freePort() (int, error) {
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
		return port, nil
	}
	return 0, errors.New("rediscluster: no free pair of loopback ports for a node")
}
