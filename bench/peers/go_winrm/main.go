// Go masterzen/winrm (Debian golang-github-masterzen-winrm-dev) as a peer client of the
// benchmarks. It has no WinRM message encryption, so with NTLM it runs over HTTPS.
//
// usage: go_winrm oneshot|loop N HOST PORT ntlm|basic CA_FILE
// The user comes from NANOSH_USER, the password from NANOSH_PASSWORD.
// 'oneshot' runs `echo hi` in a fresh shell like `nanosh -c`; 'loop N' runs N commands
// in one shell.
package main

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"os"
	"strconv"
	"sync"

	"github.com/masterzen/winrm"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go_winrm: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	args := os.Args[1:]
	count := 1
	if len(args) > 1 && args[0] == "loop" {
		n, err := strconv.Atoi(args[1])
		if err != nil {
			fail("bad count %q", args[1])
		}
		count, args = n, args[2:]
	} else if len(args) > 0 {
		args = args[1:]
	}
	if len(args) != 4 {
		fail("usage: go_winrm oneshot|loop N HOST PORT ntlm|basic CA_FILE")
	}
	port, _ := strconv.Atoi(args[1])
	ca, err := ioutil.ReadFile(args[3])
	if err != nil {
		fail("%v", err)
	}
	endpoint := winrm.NewEndpoint(args[0], port, true, false, ca, nil, nil, 0)
	params := *winrm.DefaultParameters
	if args[2] == "ntlm" {
		params.TransportDecorator = func() winrm.Transporter { return &winrm.ClientNTLM{} }
	}
	client, err := winrm.NewClientWithParameters(endpoint, os.Getenv("NANOSH_USER"), os.Getenv("NANOSH_PASSWORD"), &params)
	if err != nil {
		fail("%v", err)
	}
	shell, err := client.CreateShell()
	if err != nil {
		fail("create shell: %v", err)
	}
	var out bytes.Buffer
	for i := 0; i < count; i++ {
		var stdout, stderr bytes.Buffer
		cmd, err := shell.Execute("echo hi")
		if err != nil {
			fail("execute: %v", err)
		}
		var readers sync.WaitGroup
		readers.Add(2)
		go func() { stdout.ReadFrom(cmd.Stdout); readers.Done() }()
		go func() { stderr.ReadFrom(cmd.Stderr); readers.Done() }()
		cmd.Wait()
		readers.Wait()
		cmd.Close()
		if cmd.ExitCode() != 0 {
			fail("exit code %d", cmd.ExitCode())
		}
		out = stdout
	}
	shell.Close()
	os.Stdout.Write(out.Bytes())
}
