package containers

import (
	"io"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
)

// upgrader's default origin check stays: a request with an Origin header
// (a browser's) must come from the service's own host. Otherwise any web
// page could reach a service on 127.0.0.1 and type into a container's
// stdin; the CLIs and SDKs send no Origin.
var upgrader = websocket.Upgrader{ReadBufferSize: 32 << 10, WriteBufferSize: 32 << 10}

// attachWebsocket is GET /containers/{id}/attach/ws: attach's streams
// over a websocket, as Docker serves it for web terminals. The output
// goes as binary messages, stdout and stderr as they come (not
// multiplexed, as Docker since API 1.42); each message from the client is
// stdin. The query is attach's: stream, logs, stdin, stdout, stderr.
func (s *containersAPI) attachWebsocket(w http.ResponseWriter, r *http.Request) error {
	return s.WithContainer(r.PathValue("id"), func(e *engine.Engine, c *record.Container) error {
		a, err := newAttachment(r, e, s.Opts.Root, c)
		if err != nil {
			return err
		}
		defer a.close()
		ws, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return nil // the upgrader has answered the client
		}
		conn := &wsConn{c: ws}
		defer conn.Close()
		a.conn, a.raw = conn, true
		a.run(r)
		return nil
	})
}

// wsConn is a websocket as the attachment's byte stream: a Write is one
// binary message, Read reads the client's messages one after another.
// Writes come one at a time (router.Outputs serialises them), as gorilla
// requires; Close may come from another goroutine.
type wsConn struct {
	c *websocket.Conn
	r io.Reader // the message being read
}

func (w *wsConn) Read(p []byte) (int, error) {
	for {
		if w.r == nil {
			_, r, err := w.c.NextReader()
			if err != nil {
				return 0, err
			}
			w.r = r
		}
		n, err := w.r.Read(p)
		if err == io.EOF {
			w.r = nil
			if n == 0 {
				continue
			}
			err = nil
		}
		return n, err
	}
}

func (w *wsConn) Write(p []byte) (int, error) {
	if err := w.c.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close says goodbye (a normal closure) and closes the connection.
func (w *wsConn) Close() error {
	w.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	return w.c.Close()
}

// routesWebsocket registers attach/ws.
func routesWebsocket(r *router.Router) {
	s := &containersAPI{Router: r}
	s.Handle("GET /containers/{id}/attach/ws", s.attachWebsocket)
}
