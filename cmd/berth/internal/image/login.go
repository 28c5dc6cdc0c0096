package image

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/registry"
)

func NewLoginCommand(g *cli.Context) *cobra.Command {
	var user, password string
	var passwordStdin bool
	cmd := &cobra.Command{
		Use:   "login [OPTIONS] SERVER",
		Short: "Log in to a registry",
		Long: `Check a user name and password against a registry and store them in
config.json (--config, $DOCKER_CONFIG or ~/.docker), as Docker does, for
pull and push to use. Basic and bearer-token registries are supported.`,
		Example: `  berth login -u alice 127.0.0.1:5000
  echo "$PASSWORD" | berth login -u alice --password-stdin 127.0.0.1:5000`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			host := registryHost(a[0])
			if passwordStdin {
				data, err := io.ReadAll(os.Stdin)
				if err != nil {
					return fmt.Errorf("read password from stdin: %w", err)
				}
				password = strings.TrimRight(string(data), "\r\n")
			}
			if user == "" || password == "" {
				if err := prompt(&user, &password); err != nil {
					return err
				}
			}
			c := registry.NewClient(nil, g.Insecure)
			if err := c.Login(cmd.Context(), host, user, password); err != nil {
				return err
			}
			f, err := registry.LoadAuthFile(registry.ConfigPath(g.ConfigDir))
			if err != nil {
				return err
			}
			f.Set(host, user, password)
			if err := f.Save(); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), "Login Succeeded")
			return nil
		},
	}
	cmd.Flags().StringVarP(&user, "username", "u", "", "user name")
	cmd.Flags().StringVarP(&password, "password", "p", "", "password (prefer --password-stdin)")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "read the password from stdin")
	return cmd
}

// registryHost accepts a host or a URL, as docker login does.
func registryHost(s string) string {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	return strings.TrimSuffix(strings.SplitN(s, "/", 2)[0], "/")
}

func prompt(user, password *string) error {
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return cli.UsageError{Err: fmt.Errorf("login needs -u and -p or --password-stdin when stdin is not a terminal")}
	}
	if *user == "" {
		fmt.Fprint(os.Stderr, "Username: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil {
			return fmt.Errorf("read user name: %w", err)
		}
		*user = strings.TrimSpace(line)
	}
	if *password == "" {
		fmt.Fprint(os.Stderr, "Password: ")
		p, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return fmt.Errorf("read password: %w", err)
		}
		*password = string(p)
	}
	return nil
}

func NewLogoutCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:     "logout [SERVER]",
		Short:   "Forget a registry's credentials",
		Example: `  berth logout 127.0.0.1:5000`,
		Args:    cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			host := "docker.io"
			if len(a) == 1 {
				host = registryHost(a[0])
			}
			f, err := registry.LoadAuthFile(registry.ConfigPath(g.ConfigDir))
			if err != nil {
				return err
			}
			if !f.Remove(host) {
				fmt.Fprintf(cmd.OutOrStdout(), "Not logged in to %s\n", host)
				return nil
			}
			if err := f.Save(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removing login credentials for %s\n", host)
			return nil
		},
	}
}
