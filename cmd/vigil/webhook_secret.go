package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/vigilauth/vigil/webhook"
)

// webhooksSecret writes a new webhook signing secret to FILE (mode 0600),
// for --webhook-secret-file, and prints it for the receivers. With
// --append it adds the secret to an existing file (a rotation: every
// secret in the file signs, so receivers may move to the new one before
// the old one is removed); without it an existing file is never
// overwritten, since receivers may hold its secret.
func webhooksSecret(_ context.Context, e *env, args []string) error {
	f := newCLIFlags("webhooks secret")
	appendTo := f.Bool("append", false, "add the new secret to FILE's secrets (a rotation)")
	pos, err := f.parse(e, args, 1)
	if err != nil {
		return err
	}
	path, secret := pos[0], webhook.NewSecret()
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *appendTo {
		if _, err := webhook.LoadSecrets(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err // a file vigil would refuse is not added to
		}
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	file, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("webhooks secret: %s exists; give --append to add a secret to it (receivers may hold the secrets it has)", path)
	}
	if err != nil {
		return fmt.Errorf("webhooks secret: %w", err)
	}
	if _, err := fmt.Fprintln(file, secret); err != nil {
		file.Close()
		return fmt.Errorf("webhooks secret: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("webhooks secret: %w", err)
	}
	fmt.Fprintf(e.stdout, "webhook secret written to %s (mode 0600: give it to vigil serve --webhook-secret-file)\n%s\n", path, secret)
	return nil
}
