package tui

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"rigtop/alert"
	"rigtop/locale"
)

// Below this size the monitor shows a notice instead of a broken layout.
const (
	minWidth  = 40
	minHeight = 10
)

// maxDeliveries bounds the notification log kept for the alerts view.
const maxDeliveries = 200

type viewID int

const (
	viewTable viewID = iota
	viewDetail
	viewAlerts
)

// Model is the root of the monitor. It owns the poll schedule and the data,
// and routes keys to the view in front.
type Model struct {
	opts   Options
	ctx    context.Context
	p      *locale.Printer
	styles *Styles
	keys   KeyMap
	help   help.Model
	log    *slog.Logger

	width, height int
	view          viewID

	table  rigTable
	detail rigDetail
	alerts alertsView

	filter    textinput.Model
	filtering bool

	cycle      alert.Cycle
	totals     farmTotals
	allRows    []rigRow
	sort       sortMode
	haveData   bool
	lastUpdate time.Time

	polling        bool
	refreshPending bool
	tickGen        int
	nextPoll       time.Time

	deliveries []deliveryRecord
	silences   []alert.Silence
	prompt     *silencePrompt
	status     string
	statusErr  bool
}

// New returns the monitor's model. renderer decides the colour profile:
// the program's output for a real terminal, a fixed one in tests.
func New(ctx context.Context, opts Options, renderer *lipgloss.Renderer) Model {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	styles := NewStyles(renderer)
	p := opts.Printer

	filter := textinput.New()
	filter.Prompt = "/"
	filter.PromptStyle = styles.FilterPrompt
	filter.Placeholder = p.T("tui.filter.placeholder")
	filter.CharLimit = 64

	h := help.New()
	h.Styles.ShortKey = styles.Header
	h.Styles.ShortDesc = styles.Muted
	h.Styles.FullKey = styles.Header
	h.Styles.FullDesc = styles.Muted
	h.Styles.ShortSeparator = styles.Muted
	h.Styles.FullSeparator = styles.Muted

	m := Model{
		opts:   opts,
		ctx:    ctx,
		p:      p,
		styles: &styles,
		keys:   NewKeyMap(p),
		help:   h,
		log:    opts.Logger,
		filter: filter,
	}
	m.table = rigTable{p: p, styles: m.styles, multiPanel: len(opts.Sources) > 1, cache: &tableFrame{}}
	m.detail = rigDetail{p: p, styles: m.styles}
	m.alerts = alertsView{p: p, styles: m.styles}
	m.updateKeys()
	return m
}

func (m Model) now() time.Time { return m.opts.Now() }

// Init implements tea.Model: the first poll starts at once.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.startPoll(false), clockTick()}
	if m.opts.Dispatcher != nil {
		cmds = append(cmds, waitDelivery(m.opts.Dispatcher.Results()))
	}
	return tea.Batch(cmds...)
}

// startPoll marks a poll in flight and returns its command. Only one poll
// runs at a time, so an alert evaluation is never raced by another. A
// refresh the operator asked for also fetches the panels that back off.
func (m *Model) startPoll(refresh bool) tea.Cmd {
	m.polling = true
	m.log.Debug("poll started", "refresh", refresh)
	if refresh {
		return refreshCmd(m.ctx, m.opts.Monitor, m.opts.Dispatcher, m.sort)
	}
	return pollCmd(m.ctx, m.opts.Monitor, m.opts.Dispatcher, m.sort)
}

// Update implements tea.Model. Every message may change the header or
// footer height, so the views are resized after each one.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	if nm, ok := next.(Model); ok {
		nm.resize()
		return nm, cmd
	}
	return next, cmd
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil

	case pollDoneMsg:
		return m.handlePoll(msg)

	case pollTickMsg:
		if msg.gen != m.tickGen || m.polling {
			return m, nil
		}
		return m, m.startPoll(false)

	case clockMsg:
		return m, clockTick()

	case silenceDoneMsg:
		m.handleSilenceDone(msg)
		return m, nil

	case deliveryMsg:
		m.handleDelivery(alert.Delivery(msg))
		if m.opts.Dispatcher == nil {
			return m, nil
		}
		return m, waitDelivery(m.opts.Dispatcher.Results())

	case tea.KeyMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handlePoll(msg pollDoneMsg) (tea.Model, tea.Cmd) {
	m.polling = false
	m.noteStateWarning(m.cycle.StateWarning, msg.cycle.StateWarning)
	m.cycle = msg.cycle
	m.haveData = true
	m.lastUpdate = msg.cycle.At
	m.allRows = msg.rows
	m.totals = msg.totals
	m.silences = msg.silences
	m.alerts.silences = msg.silences
	if msg.mode != m.sort {
		sortRows(m.allRows, m.sort)
	}
	m.applyRows()
	m.logPoll(msg.cycle)

	m.tickGen++
	if m.refreshPending {
		m.refreshPending = false
		return m, m.startPoll(true)
	}
	m.nextPoll = m.now().Add(m.opts.Interval)
	return m, tea.Batch(pollTick(m.tickGen, m.opts.Interval), releaseMemory)
}

// noteStateWarning puts a new alert state warning in the status line, where
// it stays until another status replaces it. The header shows a warning
// only while the cycles carry it, and a state file that could not be
// restored is reported in the first cycle alone.
func (m *Model) noteStateWarning(previous, current error) {
	if current == nil || (previous != nil && previous.Error() == current.Error()) {
		return
	}
	m.status = m.p.T("tui.header.state_warning", "Error", alert.ErrorText(m.p, current))
	m.statusErr = true
	m.log.Warn("alert state warning", "err", current)
}

func (m Model) logPoll(c alert.Cycle) {
	for _, ps := range c.Panels {
		if ps.Err != nil {
			m.log.Warn("fetch failed", "panel", ps.Name, "err", ps.Err)
		}
	}
	m.log.Debug("poll done", "rigs", len(c.Rigs), "alerts", len(c.Alerts))
}

// deliveryRecord is a notification attempt as the alerts view lists it.
// It keeps the headline instead of the notification, which for a large farm
// can carry a thousand alerts, times the up to maxDeliveries kept.
type deliveryRecord struct {
	channel  string
	at       time.Time
	headline string
	err      error
}

func (m *Model) handleDelivery(d alert.Delivery) {
	m.deliveries = append(m.deliveries, deliveryRecord{
		channel:  d.Channel,
		at:       d.At,
		headline: alert.Headline(m.p, d.Notification),
		err:      d.Err,
	})
	if len(m.deliveries) > maxDeliveries {
		m.deliveries = m.deliveries[len(m.deliveries)-maxDeliveries:]
	}
	m.alerts.deliveries = m.deliveries
	if d.Err != nil {
		m.status = m.p.T("tui.status.notify_failed", "Channel", channelName(m.p, d.Channel), "Error", alert.ErrorText(m.p, d.Err))
		m.statusErr = true
		return
	}
	m.status = m.p.T("tui.status.notified", "Channel", channelName(m.p, d.Channel), "Time", d.At.Local().Format("15:04:05"))
	m.statusErr = false
}

// applyRows filters the rows into the table and refreshes the open views,
// keeping the selection on the same rig.
func (m *Model) applyRows() {
	keep := ""
	if r, ok := m.table.selected(); ok {
		keep = r.id
	}
	m.table.setRows(filterRows(m.allRows, m.filter.Value()), keep)
	m.detail.refresh(m.allRows)
	m.alerts.setCycle(m.cycle)
}

func (m *Model) resize() {
	m.help.Width = m.width
	body := m.bodyHeight()
	m.table.setSize(m.width, body)
	m.detail.setSize(m.width, body)
	m.alerts.setSize(m.width, body)
	m.filter.Width = max(m.width-4, 1)
}

// bodyHeight returns the number of lines between the header and footer.
func (m Model) bodyHeight() int {
	header, footer := m.frame()
	return max(m.height-lipgloss.Height(header)-lipgloss.Height(footer), 1)
}

// frame returns the header and footer as drawn. When they would leave no
// line for the view, the full help gives way to the short one, and then the
// header's warning lines go from the bottom, so that the frame is never
// taller than the terminal.
func (m Model) frame() (header, footer string) {
	header, footer = m.headerView(), m.footerView()
	if m.help.ShowAll && lipgloss.Height(header)+lipgloss.Height(footer) >= m.height {
		m.help.ShowAll = false
		footer = m.footerView()
	}
	for lipgloss.Height(header)+lipgloss.Height(footer) >= m.height && strings.Count(header, "\n") > 1 {
		header = header[:strings.LastIndexByte(header, '\n')]
	}
	return header, footer
}

func (m Model) handleKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if m.filtering {
		return m.handleFilterKey(msg)
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		return m.handleKeySequence(msg.Runes)
	}
	if m.prompt != nil {
		return m.handlePromptKey(msg)
	}

	switch {
	case key.Matches(msg, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.resize()
		return m, nil
	case key.Matches(msg, m.keys.Refresh):
		return m.refresh()
	case key.Matches(msg, m.keys.Back):
		m.back()
		return m, nil
	case key.Matches(msg, m.keys.Alerts):
		m.view = viewAlerts
		m.updateKeys()
		return m, nil
	case key.Matches(msg, m.keys.Silence):
		m.openSilencePrompt()
		return m, nil
	}

	switch m.view {
	case viewDetail:
		m.detail.handleKey(msg, m.keys)
	case viewAlerts:
		m.alerts.handleKey(msg, m.keys)
	default:
		return m.handleTableKey(msg)
	}
	return m, nil
}

// handleKeySequence handles keys that arrived in one read, as fast typing
// or key repeat over a slow SSH link delivers them, one key at a time.
func (m Model) handleKeySequence(runes []rune) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var next tea.Model = m
	for _, r := range runes {
		current, ok := next.(Model)
		if !ok {
			break
		}
		var cmd tea.Cmd
		next, cmd = current.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
		cmds = append(cmds, cmd)
	}
	return next, tea.Batch(cmds...)
}

func (m Model) refresh() (tea.Model, tea.Cmd) {
	if m.polling {
		m.refreshPending = true
		return m, nil
	}
	m.tickGen++
	return m, m.startPoll(true)
}

func (m *Model) back() {
	switch {
	case m.view != viewTable:
		m.view = viewTable
	case m.filter.Value() != "":
		m.filter.SetValue("")
		m.applyRows()
	}
	m.updateKeys()
}

func (m Model) handleTableKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	if next, ok := m.keys.moved(msg, m.table.cursor, m.table.bodyHeight(), len(m.table.rows)-1); ok {
		m.table.moveTo(next)
		return m, nil
	}

	switch {
	case key.Matches(msg, m.keys.Open):
		if r, ok := m.table.selected(); ok {
			m.detail.open(r)
			m.view = viewDetail
			m.updateKeys()
		}
	case key.Matches(msg, m.keys.Sort):
		m.sort = (m.sort + 1) % sortModeCount
		sortRows(m.allRows, m.sort)
		m.applyRows()
		m.status = m.p.T("tui.status.sorted", "Order", m.p.T(sortNameID(m.sort)))
		m.statusErr = false
	case key.Matches(msg, m.keys.Filter):
		m.filtering = true
		m.updateKeys()
		m.resize()
		return m, m.filter.Focus()
	}
	return m, nil
}

func (m Model) handleFilterKey(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		m.filtering = false
		m.filter.Blur()
	case tea.KeyEsc:
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
	case tea.KeyCtrlC:
		return m, tea.Quit
	default:
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.applyRows()
		return m, cmd
	}
	m.applyRows()
	m.updateKeys()
	m.resize()
	return m, nil
}

// updateKeys enables the bindings that apply to the view in front, so
// the help footer lists only keys that work.
func (m *Model) updateKeys() {
	inTable := m.view == viewTable
	m.keys.Filter.SetEnabled(inTable)
	m.keys.Sort.SetEnabled(inTable)
	m.keys.Open.SetEnabled(inTable)
	m.keys.Back.SetEnabled(!inTable || m.filter.Value() != "")
	m.keys.Alerts.SetEnabled(m.view != viewAlerts)
	m.keys.Silence.SetEnabled(m.opts.Monitor != nil)
}

func sortNameID(s sortMode) string {
	switch s {
	case sortName:
		return "tui.sort.name"
	case sortHash:
		return "tui.sort.hash_rate"
	case sortTemp:
		return "tui.sort.temp"
	case sortAge:
		return "tui.sort.age"
	}
	return "tui.sort.problems"
}

// View implements tea.Model.
func (m Model) View() string {
	if m.width == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return m.tooSmallView()
	}

	var body string
	switch m.view {
	case viewDetail:
		body = m.detail.view()
	case viewAlerts:
		body = m.alerts.view()
	default:
		body = m.table.view()
	}
	header, footer := m.frame()
	height := max(m.height-lipgloss.Height(header)-lipgloss.Height(footer), 1)
	return strings.Join([]string{header, padLines(body, height), footer}, "\n")
}

func (m Model) tooSmallView() string {
	text := m.p.T("tui.screen.too_small", "Width", m.width, "Height", m.height, "MinWidth", minWidth, "MinHeight", minHeight)
	lines := strings.Split(wrap(text, m.width), "\n")
	if len(lines) > m.height {
		lines = lines[:m.height]
	}
	return strings.Join(lines, "\n")
}

func (m Model) footerView() string {
	var lines []string
	if m.prompt != nil {
		lines = append(lines, m.promptView())
	}
	if m.filtering {
		lines = append(lines, m.filter.View())
	} else if q := m.filter.Value(); q != "" {
		lines = append(lines, m.styles.FilterPrompt.Render(fit(m.p.T("tui.filter.active", "Query", q, "Shown", len(m.table.rows), "Total", len(m.allRows)), m.width)))
	}
	if m.status != "" {
		st := m.styles.Status
		if m.statusErr {
			st = m.styles.StatusError
		}
		lines = append(lines, st.Render(fit(m.status, m.width)))
	}
	helpLine := m.help.View(m.keys)
	if n := silencedCount(m.cycle.Alerts); n > 0 && !m.help.ShowAll {
		count := m.styles.Warn.Render(m.p.T("tui.footer.silenced", "Count", n))
		helpLine = fit(helpLine, max(m.width-lipgloss.Width(count)-2, 0)) + "  " + count
	}
	lines = append(lines, helpLine)
	return strings.Join(lines, "\n")
}

// padLines cuts or pads text to exactly height lines, so that the footer
// stays at the bottom of the screen.
func padLines(text string, height int) string {
	lines := strings.SplitN(text, "\n", height+1)
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// wrap breaks text into lines of at most width display cells.
func wrap(text string, width int) string {
	return lipgloss.NewStyle().Width(max(width, 1)).Render(text)
}
